# Cross-tenant rules for every shipped role and every action it holds, and the exemption of
# cross-tenant roles.
package mem0.authz_test

import rego.v1

import data.mem0.authz

# Roles that the tenant isolation rules apply to.
tenant_roles := {"admin", "agent-reader", "agent-writer", "auditor", "supervisor"}

foreign_subject_only := {"subjects": [
	{"kind": "user_id", "id": "alice", "tenant": "tenant-a"},
	{"kind": "user_id", "id": "bob", "tenant": "tenant-b"},
]}

# Foreign resource, for the role and action pairs that tenancy_test.rego leaves out

test_admin_other_tenant_write_denied if {
	denied_with(request_with("admin", "write", foreign_resource), foreign_resource_message)
}

test_agent_writer_other_tenant_read_denied if {
	denied_with(request_with("agent-writer", "read", foreign_resource), foreign_resource_message)
}

test_supervisor_other_tenant_read_denied if {
	denied_with(request_with("supervisor", "read", foreign_resource), foreign_resource_message)
}

# Every pair at once, so that a role file added to tenant_roles is covered too.
test_every_tenant_role_action_other_tenant_denied if {
	every role in tenant_roles {
		every action in authz.role_actions[role] {
			denied_with(request_with(role, action, foreign_resource), foreign_resource_message)
		}
	}
}

test_every_tenant_role_action_foreign_subject_denied if {
	every role in tenant_roles {
		every action in authz.role_actions[role] {
			denied_with(
				request_with(role, action, foreign_subject_only),
				"subject user_id:bob belongs to tenant-b, requester is tenant-a",
			)
		}
	}
}

test_every_tenant_role_action_wildcard_subject_denied if {
	every role in tenant_roles {
		every action in authz.role_actions[role] {
			denied_with(
				request_with(role, action, {"subjects": [{"kind": "agent_id", "id": "*", "tenant": ""}]}),
				"wildcard subject agent_id:* is outside the scope of tenant tenant-a",
			)
		}
	}
}

# platform-admin

test_platform_admin_other_tenant_write_allowed if {
	passes(request_with("platform-admin", "write", foreign_resource))
}

test_platform_admin_other_tenant_audit_read_allowed if {
	passes(request_with("platform-admin", "audit_read", foreign_resource))
}

test_platform_admin_foreign_subject_allowed if {
	passes(request_with("platform-admin", "read", foreign_subject_only))
}

# A cross-tenant role lifts the deny rules, but it lends its tenant scope to no other role: a
# cross-tenant reader that also holds agent-writer may not write into another tenant.
test_cross_tenant_reader_cannot_lend_scope_to_writer if {
	request := object.union(
		request_with("agent-writer", "write", foreign_resource),
		{"roles": ["global-reader", "agent-writer"]},
	)
	actions := object.union(authz.role_actions, {"global-reader": {"read"}})
	not passes(request) with authz.role_actions as actions
		with authz.cross_tenant_roles as {"platform-admin", "global-reader"}
	count(authz.deny) == 0 with input as request
		with authz.role_actions as actions
		with authz.cross_tenant_roles as {"platform-admin", "global-reader"}
	authz.reason == "no policy rule allows write on memory:m1" with input as request
		with authz.role_actions as actions
		with authz.cross_tenant_roles as {"platform-admin", "global-reader"}
}

test_cross_tenant_reader_reads_other_tenant if {
	request := object.union(
		request_with("agent-writer", "read", foreign_resource),
		{"roles": ["global-reader"]},
	)
	actions := object.union(authz.role_actions, {"global-reader": {"read"}})
	passes(request) with authz.role_actions as actions
		with authz.cross_tenant_roles as {"platform-admin", "global-reader"}
}
