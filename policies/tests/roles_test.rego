# Every role against every action, inside the caller's own tenant.
package mem0.authz_test

import rego.v1

import data.mem0.authz

# admin

test_admin_read_allowed if {
	passes(own_tenant_request("admin", "read"))
}

test_admin_write_allowed if {
	passes(own_tenant_request("admin", "write"))
}

test_admin_delete_allowed if {
	passes(own_tenant_request("admin", "delete"))
}

test_admin_admin_allowed if {
	passes(own_tenant_request("admin", "admin"))
}

test_admin_audit_read_denied if {
	request := own_tenant_request("admin", "audit_read")
	not passes(request)
	authz.reason == "role admin may not perform audit_read" with input as request
}

# agent-writer

test_agent_writer_read_allowed if {
	passes(own_tenant_request("agent-writer", "read"))
}

test_agent_writer_write_allowed if {
	passes(own_tenant_request("agent-writer", "write"))
}

test_agent_writer_delete_denied if {
	request := own_tenant_request("agent-writer", "delete")
	not passes(request)
	authz.reason == "role agent-writer may not perform delete" with input as request
}

test_agent_writer_admin_denied if {
	request := own_tenant_request("agent-writer", "admin")
	not passes(request)
	authz.reason == "role agent-writer may not perform admin" with input as request
}

test_agent_writer_audit_read_denied if {
	request := own_tenant_request("agent-writer", "audit_read")
	not passes(request)
	authz.reason == "role agent-writer may not perform audit_read" with input as request
}

# agent-reader

test_agent_reader_read_allowed if {
	passes(own_tenant_request("agent-reader", "read"))
}

test_agent_reader_write_denied if {
	request := own_tenant_request("agent-reader", "write")
	not passes(request)
	authz.reason == "role agent-reader may not perform write" with input as request
}

test_agent_reader_delete_denied if {
	request := own_tenant_request("agent-reader", "delete")
	not passes(request)
	authz.reason == "role agent-reader may not perform delete" with input as request
}

test_agent_reader_admin_denied if {
	request := own_tenant_request("agent-reader", "admin")
	not passes(request)
	authz.reason == "role agent-reader may not perform admin" with input as request
}

test_agent_reader_audit_read_denied if {
	request := own_tenant_request("agent-reader", "audit_read")
	not passes(request)
	authz.reason == "role agent-reader may not perform audit_read" with input as request
}

# auditor

test_auditor_read_denied if {
	request := own_tenant_request("auditor", "read")
	not passes(request)
	authz.reason == "role auditor may not perform read" with input as request
}

test_auditor_write_denied if {
	request := own_tenant_request("auditor", "write")
	not passes(request)
	authz.reason == "role auditor may not perform write" with input as request
}

test_auditor_delete_denied if {
	request := own_tenant_request("auditor", "delete")
	not passes(request)
	authz.reason == "role auditor may not perform delete" with input as request
}

test_auditor_admin_denied if {
	request := own_tenant_request("auditor", "admin")
	not passes(request)
	authz.reason == "role auditor may not perform admin" with input as request
}

test_auditor_audit_read_allowed if {
	passes(own_tenant_request("auditor", "audit_read"))
}

# supervisor

test_supervisor_read_allowed if {
	passes(own_tenant_request("supervisor", "read"))
}

test_supervisor_write_allowed if {
	passes(own_tenant_request("supervisor", "write"))
}

test_supervisor_delete_denied if {
	request := own_tenant_request("supervisor", "delete")
	not passes(request)
	authz.reason == "role supervisor may not perform delete" with input as request
}

test_supervisor_admin_denied if {
	request := own_tenant_request("supervisor", "admin")
	not passes(request)
	authz.reason == "role supervisor may not perform admin" with input as request
}

test_supervisor_audit_read_denied if {
	request := own_tenant_request("supervisor", "audit_read")
	not passes(request)
	authz.reason == "role supervisor may not perform audit_read" with input as request
}

# platform-admin

test_platform_admin_read_allowed if {
	passes(own_tenant_request("platform-admin", "read"))
}

test_platform_admin_write_allowed if {
	passes(own_tenant_request("platform-admin", "write"))
}

test_platform_admin_delete_allowed if {
	passes(own_tenant_request("platform-admin", "delete"))
}

test_platform_admin_admin_allowed if {
	passes(own_tenant_request("platform-admin", "admin"))
}

test_platform_admin_audit_read_allowed if {
	passes(own_tenant_request("platform-admin", "audit_read"))
}

# Several roles and roles without a policy

test_multiple_roles_union_of_actions if {
	request := object.union(own_tenant_request("agent-reader", "write"), {"roles": ["agent-reader", "agent-writer"]})
	passes(request)
}

test_multiple_roles_denied_reason_lists_roles if {
	request := object.union(own_tenant_request("agent-reader", "delete"), {"roles": ["agent-reader", "auditor"]})
	not passes(request)
	authz.reason == "roles agent-reader, auditor may not perform delete" with input as request
}

test_unknown_role_denied if {
	request := own_tenant_request("intern", "read")
	not passes(request)
	authz.reason == "role intern may not perform read" with input as request
}

test_unknown_action_denied_for_platform_admin if {
	request := own_tenant_request("platform-admin", "export")
	not passes(request)
	authz.reason == "role platform-admin may not perform export" with input as request
}

test_role_name_case_matters if {
	not passes(own_tenant_request("Admin", "read"))
}

test_role_name_underscore_differs if {
	not passes(own_tenant_request("agent_writer", "write"))
}

test_allowed_request_has_no_reason if {
	request := own_tenant_request("admin", "read")
	not authz.reason with input as request
}

# The scenario of a supervisor role added by its own file: read and write, no delete,
# tenant-isolated.

test_supervisor_scenario_read_write_allowed if {
	passes(own_tenant_request("supervisor", "read"))
	passes(own_tenant_request("supervisor", "write"))
}

test_supervisor_scenario_delete_denied if {
	not passes(own_tenant_request("supervisor", "delete"))
}

test_supervisor_scenario_other_tenant_denied if {
	request := object.union(own_tenant_request("supervisor", "read"), {"resource_tenant": "tenant-b"})
	not passes(request)
}
