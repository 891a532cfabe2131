# Tenant isolation. These deny rules hold for every role except those in cross_tenant_roles,
# whatever allow rules a role file adds.
package mem0.authz

import rego.v1

# Roles exempt from these rules. Role files add entries (roles/platform_admin.rego adds
# platform-admin). This rule adds none and keeps the set defined when no role file does.
cross_tenant_roles contains role if {
	some role in set()
}

default caller_crosses_tenants := false

caller_crosses_tenants if {
	some role in input.roles
	role in cross_tenant_roles
}

deny contains message if {
	not caller_crosses_tenants
	input.resource_tenant != ""
	input.resource_tenant != input.tenant
	message := sprintf("resource belongs to %s, requester is %s", [input.resource_tenant, input.tenant])
}

# A write that creates a new subject arrives with resource_tenant set to the caller's tenant,
# because the authz service claims the subject for the caller. Any other action on a target
# without an owner is refused.
deny contains message if {
	not caller_crosses_tenants
	input.resource_tenant == ""
	input.action != "write"
	message := sprintf("resource %s has no owning tenant", [input.resource])
}

deny contains message if {
	not caller_crosses_tenants
	some subject in subject_list
	owner := object.get(subject, "tenant", "")
	owner != ""
	owner != input.tenant

	# The resource message above already names this owner.
	owner != input.resource_tenant
	message := sprintf(
		"subject %s:%s belongs to %s, requester is %s",
		[subject.kind, subject.id, owner, input.tenant],
	)
}

# "*" names every tenant's data, as does a typed resource such as "user_id:*".
deny contains message if {
	not caller_crosses_tenants
	resource_is_wildcard
	message := sprintf("wildcard resource %s is outside the scope of tenant %s", [input.resource, input.tenant])
}

deny contains message if {
	not caller_crosses_tenants
	some subject in subject_list
	subject.id == "*"
	message := sprintf("wildcard subject %s:* is outside the scope of tenant %s", [subject.kind, input.tenant])
}

resource_is_wildcard if input.resource == "*"

resource_is_wildcard if endswith(input.resource, ":*")
