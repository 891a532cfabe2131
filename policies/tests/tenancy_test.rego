# Tenant isolation: foreign resources and subjects, wildcards and targets without an owner.
package mem0.authz_test

import rego.v1

import data.mem0.authz

foreign_resource := {"resource_tenant": "tenant-b", "subjects": [{"kind": "memory_id", "id": "m1", "tenant": "tenant-b"}]}

foreign_resource_message := "resource belongs to tenant-b, requester is tenant-a"

# Foreign resource, one test per role with an action that the role holds

test_admin_other_tenant_read_denied if {
	denied_with(request_with("admin", "read", foreign_resource), foreign_resource_message)
}

test_admin_other_tenant_delete_denied if {
	denied_with(request_with("admin", "delete", foreign_resource), foreign_resource_message)
}

test_admin_other_tenant_admin_denied if {
	denied_with(request_with("admin", "admin", foreign_resource), foreign_resource_message)
}

test_agent_writer_other_tenant_write_denied if {
	denied_with(request_with("agent-writer", "write", foreign_resource), foreign_resource_message)
}

test_agent_reader_other_tenant_read_denied if {
	denied_with(request_with("agent-reader", "read", foreign_resource), foreign_resource_message)
}

test_auditor_other_tenant_audit_read_denied if {
	denied_with(request_with("auditor", "audit_read", foreign_resource), foreign_resource_message)
}

test_supervisor_other_tenant_write_denied if {
	denied_with(request_with("supervisor", "write", foreign_resource), foreign_resource_message)
}

test_other_tenant_reason_is_deny_message if {
	request := request_with("agent-reader", "read", foreign_resource)
	authz.reason == "resource belongs to tenant-b, requester is tenant-a" with input as request
}

test_platform_admin_other_tenant_read_allowed if {
	passes(request_with("platform-admin", "read", foreign_resource))
}

test_platform_admin_other_tenant_delete_allowed if {
	passes(request_with("platform-admin", "delete", foreign_resource))
}

test_platform_admin_other_tenant_admin_allowed if {
	passes(request_with("platform-admin", "admin", foreign_resource))
}

test_platform_admin_among_roles_crosses_tenants if {
	request := object.union(
		request_with("agent-reader", "delete", foreign_resource),
		{"roles": ["agent-reader", "platform-admin"]},
	)
	passes(request)
}

# Subjects list

one_foreign_subject := {"subjects": [
	{"kind": "user_id", "id": "alice", "tenant": "tenant-a"},
	{"kind": "agent_id", "id": "planner", "tenant": "tenant-b"},
	{"kind": "run_id", "id": "run-7", "tenant": ""},
]}

test_one_foreign_subject_denied if {
	denied_with(
		request_with("agent-writer", "write", one_foreign_subject),
		"subject agent_id:planner belongs to tenant-b, requester is tenant-a",
	)
}

test_one_foreign_subject_only_message if {
	request := request_with("agent-writer", "write", one_foreign_subject)
	count(authz.deny) == 1 with input as request
}

test_one_foreign_subject_platform_admin_allowed if {
	passes(request_with("platform-admin", "write", one_foreign_subject))
}

test_subjects_without_owner_allowed if {
	request := request_with("agent-writer", "write", {"subjects": [
		{"kind": "user_id", "id": "new-user", "tenant": ""},
		{"kind": "agent_id", "id": "planner"},
	]})
	passes(request)
}

test_no_subjects_field_allowed if {
	request := json.remove(own_tenant_request("agent-reader", "read"), ["subjects"])
	passes(request)
}

# Wildcards

test_wildcard_resource_admin_denied if {
	denied_with(
		request_with("admin", "admin", {"resource": "*", "subjects": []}),
		"wildcard resource * is outside the scope of tenant tenant-a",
	)
}

test_wildcard_resource_reader_denied if {
	denied_with(
		request_with("agent-reader", "read", {"resource": "*", "subjects": []}),
		"wildcard resource * is outside the scope of tenant tenant-a",
	)
}

test_typed_wildcard_resource_denied if {
	denied_with(
		request_with("admin", "delete", {"resource": "user_id:*", "subjects": []}),
		"wildcard resource user_id:* is outside the scope of tenant tenant-a",
	)
}

test_wildcard_subject_denied if {
	request := request_with("agent-reader", "read", {
		"resource": "user_id:alice",
		"subjects": [{"kind": "user_id", "id": "*", "tenant": "tenant-a"}],
	})
	denied_with(request, "wildcard subject user_id:* is outside the scope of tenant tenant-a")
}

test_wildcard_resource_platform_admin_allowed if {
	passes(request_with("platform-admin", "admin", {"resource": "*", "resource_tenant": "", "subjects": []}))
}

test_wildcard_subject_platform_admin_allowed if {
	request := request_with("platform-admin", "delete", {
		"resource": "*",
		"resource_tenant": "",
		"subjects": [{"kind": "user_id", "id": "*", "tenant": ""}],
	})
	passes(request)
}

# Targets without an owner

unowned := {"resource": "memory:m9", "resource_tenant": "", "subjects": [{"kind": "memory_id", "id": "m9", "tenant": ""}]}

test_unowned_read_denied if {
	denied_with(request_with("admin", "read", unowned), "resource memory:m9 has no owning tenant")
}

test_unowned_delete_denied if {
	denied_with(request_with("admin", "delete", unowned), "resource memory:m9 has no owning tenant")
}

test_unowned_admin_denied if {
	denied_with(request_with("admin", "admin", unowned), "resource memory:m9 has no owning tenant")
}

test_unowned_write_not_in_deny if {
	request := request_with("agent-writer", "write", unowned)
	count(authz.deny) == 0 with input as request
}

# The authz service claims a new subject for the caller, so the policy sees equal tenants.
test_claimed_write_allowed if {
	request := request_with("agent-writer", "write", {
		"resource": "user_id:new-user",
		"resource_tenant": "tenant-a",
		"subjects": [{"kind": "user_id", "id": "new-user", "tenant": ""}],
	})
	passes(request)
}

test_unclaimed_write_not_allowed if {
	request := request_with("agent-writer", "write", unowned)
	not authz.allow with input as request
	authz.reason == "resource memory:m9 has no owning tenant" with input as request
}

test_unowned_read_platform_admin_allowed if {
	passes(request_with("platform-admin", "read", unowned))
}
