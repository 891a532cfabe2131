# Malformed input documents are denied with a reason naming the missing field.
package mem0.authz_test

import rego.v1

import data.mem0.authz

complete_request := own_tenant_request("admin", "read")

test_complete_request_has_no_input_errors if {
	count(authz.input_errors) == 0 with input as complete_request
}

test_missing_tenant_denied if {
	request := json.remove(complete_request, ["tenant"])
	denied_with(request, "tenant is missing or empty")
}

test_empty_tenant_denied if {
	denied_with(object.union(complete_request, {"tenant": ""}), "tenant is missing or empty")
}

test_missing_tenant_platform_admin_denied if {
	request := json.remove(own_tenant_request("platform-admin", "read"), ["tenant"])
	denied_with(request, "tenant is missing or empty")
}

test_missing_tenant_not_allowed if {
	request := json.remove(own_tenant_request("platform-admin", "read"), ["tenant"])
	not authz.allow with input as request
}

test_missing_roles_denied if {
	request := json.remove(complete_request, ["roles"])
	denied_with(request, "roles are missing: expected a non-empty list of role names")
}

test_empty_roles_denied if {
	request := object.union(complete_request, {"roles": []})
	denied_with(request, "roles are missing: expected a non-empty list of role names")
}

test_roles_as_string_denied if {
	request := object.union(complete_request, {"roles": "admin"})
	denied_with(request, "roles are missing: expected a non-empty list of role names")
}

test_empty_role_name_denied if {
	request := object.union(complete_request, {"roles": ["admin", ""]})
	denied_with(request, "roles are missing: expected a non-empty list of role names")
}

test_missing_action_denied if {
	request := json.remove(complete_request, ["action"])
	denied_with(request, "action is missing or empty")
}

test_missing_resource_denied if {
	request := json.remove(complete_request, ["resource"])
	denied_with(request, "resource is missing or empty")
}

test_missing_resource_tenant_denied if {
	request := json.remove(complete_request, ["resource_tenant"])
	denied_with(request, "resource_tenant is missing: expected the owning tenant or an empty string")
}

test_subjects_not_a_list_denied if {
	request := object.union(complete_request, {"subjects": "user_id:alice"})
	denied_with(request, "subjects must be a list of objects with string kind, id and tenant")
}

test_subject_without_id_denied if {
	request := object.union(complete_request, {"subjects": [{"kind": "user_id", "tenant": "tenant-a"}]})
	denied_with(request, "subjects must be a list of objects with string kind, id and tenant")
}

test_empty_input_denied if {
	not authz.allow with input as {}
	count(authz.deny) == 5 with input as {}
}
