# The policy revision that the gateway records with each decision.
package mem0.authz_test

import rego.v1

import data.mem0.authz

test_revision_from_data if {
	authz.revision == data.memgov.revision
}

test_revision_not_empty if {
	is_string(authz.revision)
	authz.revision != ""
}

test_revision_defined_without_input if {
	authz.revision with input as {}
}

test_revision_default_without_data if {
	authz.revision == "unset" with data.memgov as {}
}

test_decision_document_carries_every_field if {
	result := authz.decision with input as {
		"action": "read", "roles": ["agent-reader"], "tenant": "a",
		"resource_tenant": "b", "resource": "user_id:x", "subjects": [],
	}
	result.allow == false
	count(result.deny) == 1
	result.reason == "resource belongs to b, requester is a"
	is_string(result.revision)
}

test_decision_reason_is_empty_when_allowed if {
	result := authz.decision with input as {
		"action": "read", "roles": ["agent-reader"], "tenant": "a",
		"resource_tenant": "a", "resource": "user_id:x", "subjects": [],
	}
	result.allow == true
	result.reason == ""
}

test_decision_cross_tenant_false_for_tenant_role if {
	result := authz.decision with input as {
		"action": "read", "roles": ["admin"], "tenant": "a",
		"resource_tenant": "a", "resource": "user_id:x", "subjects": [],
	}
	result.cross_tenant == false
}

test_decision_cross_tenant_true_for_platform_admin if {
	result := authz.decision with input as {
		"action": "read", "roles": ["agent-reader", "platform-admin"], "tenant": "a",
		"resource_tenant": "b", "resource": "user_id:x", "subjects": [],
	}
	result.cross_tenant == true
	result.allow == true
}
