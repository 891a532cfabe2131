# Checks on the shape of the input document. Each problem is a deny message, and allow
# requires that there are none.
package mem0.authz

import rego.v1

deny contains message if some message in input_errors

# Subjects are optional: a request that names no user, agent, run or memory has none.
subject_list := object.get(input, "subjects", [])

# Each check negates a helper rule rather than a call such as not is_string(input.tenant),
# because OPA moves an undefined argument out of the negation and the check would never fire.
input_errors contains "tenant is missing or empty" if not tenant_is_valid

input_errors contains "roles are missing: expected a non-empty list of role names" if {
	not roles_are_valid
}

input_errors contains "action is missing or empty" if not action_is_valid

input_errors contains "resource is missing or empty" if not resource_is_valid

input_errors contains "resource_tenant is missing: expected the owning tenant or an empty string" if {
	not resource_tenant_is_valid
}

input_errors contains "subjects must be a list of objects with string kind, id and tenant" if {
	not subjects_are_valid
}

non_empty_string(value) if {
	is_string(value)
	value != ""
}

tenant_is_valid if non_empty_string(input.tenant)

action_is_valid if non_empty_string(input.action)

resource_is_valid if non_empty_string(input.resource)

resource_tenant_is_valid if is_string(input.resource_tenant)

roles_are_valid if {
	is_array(input.roles)
	count(input.roles) > 0
	every role in input.roles {
		non_empty_string(role)
	}
}

subjects_are_valid if {
	is_array(subject_list)
	every subject in subject_list {
		is_object(subject)
		non_empty_string(subject.kind)
		non_empty_string(subject.id)
		is_string(object.get(subject, "tenant", ""))
	}
}
