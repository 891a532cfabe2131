# Authorization decision for the memgov gateway. The authz service posts the facts of one
# request as input and reads allow, deny, reason and revision from this package. A request
# passes only when allow is true and deny is empty.
package mem0.authz

import rego.v1

# Actions the gateway sends. Mem0 routes map to read, write, delete and admin, and audit_read
# covers queries on the audit log. subjects.assign and subjects.list are the gateway's admin
# routes on the ownership registry; their resource_tenant is the tenant they act on.
known_actions := {"read", "write", "delete", "admin", "audit_read", "subjects.assign", "subjects.list"}

default allow := false

# Files in roles/ add entries to role_actions (role name -> set of actions). A role file may
# also add an allow rule of its own, so allow must stay a rule with several bodies.
allow if {
	count(input_errors) == 0
	some role in input.roles
	input.action in role_actions[role]
	role_covers_resource_tenant(role)
}

role_covers_resource_tenant(role) if role in cross_tenant_roles

role_covers_resource_tenant(_) if input.resource_tenant == input.tenant

# Roles in input.roles whose role_actions entry contains the requested action.
granting_roles contains role if {
	some role in input.roles
	input.action in role_actions[role]
}

# Explanation of a refused request: the deny messages when there are any, otherwise why no
# allow rule matched. Undefined when the request is allowed.
reason := concat("; ", deny) if {
	count(deny) > 0
} else := sprintf("%s may not perform %s", [role_list_phrase, input.action]) if {
	not allow
	count(granting_roles) == 0
} else := sprintf("resource %s has no owning tenant", [input.resource]) if {
	not allow
	input.resource_tenant == ""
} else := sprintf("no policy rule allows %s on %s", [input.action, input.resource]) if {
	not allow
}

role_list_phrase := sprintf("role %s", [input.roles[0]]) if count(input.roles) == 1

role_list_phrase := sprintf("roles %s", [concat(", ", input.roles)]) if count(input.roles) > 1

# Policy revision that the gateway stores with every audit record. Bump memgov.revision in
# data.json whenever a policy file changes.
default revision := "unset"

revision := data.memgov.revision if is_string(data.memgov.revision)

# The one document the authz service reads: POST /v1/data/mem0/authz/decision. Asking for this
# rule alone lets OPA skip the rules a decision does not need. cross_tenant tells the gateway
# that the caller is exempt from tenant isolation, so it also leaves the caller's list and search
# responses unscoped.
decision := {
	"allow": allow,
	"deny": deny,
	"reason": reason_text,
	"revision": revision,
	"cross_tenant": caller_crosses_tenants,
}

default reason_text := ""

reason_text := reason
