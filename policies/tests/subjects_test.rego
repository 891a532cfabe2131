# The admin routes on the ownership registry (subjects.assign, subjects.list) for every role.
# The gateway sends resource_tenant as the tenant the request acts on and no subjects.
package mem0.authz_test

import rego.v1

import data.mem0.authz

subject_actions := {"subjects.assign", "subjects.list"}

# Roles that hold neither action.
roles_without_subject_actions := {"agent-reader", "agent-writer", "auditor", "supervisor"}

subjects_request(role, action, target_tenant) := {
	"action": action,
	"roles": [role],
	"tenant": "tenant-a",
	"actor": "user-1",
	"resource_tenant": target_tenant,
	"resource": sprintf("tenant:%s,user_id:alice", [target_tenant]),
	"subjects": [],
}

test_admin_subject_actions_own_tenant_allowed if {
	every action in subject_actions {
		passes(subjects_request("admin", action, "tenant-a"))
	}
}

test_admin_subject_actions_other_tenant_denied if {
	every action in subject_actions {
		denied_with(
			subjects_request("admin", action, "tenant-b"),
			"resource belongs to tenant-b, requester is tenant-a",
		)
	}
}

test_platform_admin_subject_actions_any_tenant_allowed if {
	every action in subject_actions {
		passes(subjects_request("platform-admin", action, "tenant-a"))
		passes(subjects_request("platform-admin", action, "tenant-b"))
	}
}

test_other_roles_subject_actions_denied if {
	every role in roles_without_subject_actions {
		every action in subject_actions {
			request := subjects_request(role, action, "tenant-a")
			not passes(request)
			authz.reason == sprintf("role %s may not perform %s", [role, action]) with input as request
		}
	}
}

test_agent_writer_assign_denied if {
	request := subjects_request("agent-writer", "subjects.assign", "tenant-a")
	not passes(request)
	authz.reason == "role agent-writer may not perform subjects.assign" with input as request
}

test_auditor_list_denied if {
	request := subjects_request("auditor", "subjects.list", "tenant-a")
	not passes(request)
	authz.reason == "role auditor may not perform subjects.list" with input as request
}

# A role that no role file defines holds no action.
test_unknown_role_assign_denied if {
	not passes(subjects_request("guest", "subjects.assign", "tenant-a"))
}
