# Request builders shared by the policy tests.
package mem0.authz_test

import rego.v1

import data.mem0.authz

# Request of one role for one action on a memory owned by the caller's tenant.
own_tenant_request(role, action) := {
	"action": action,
	"roles": [role],
	"tenant": "tenant-a",
	"actor": "user-1",
	"resource_tenant": "tenant-a",
	"resource": "memory:m1",
	"subjects": [{"kind": "memory_id", "id": "m1", "tenant": "tenant-a"}],
}

# The authz service lets a request through only when allow is true and deny is empty.
passes(request) if {
	authz.allow with input as request
	count(authz.deny) == 0 with input as request
}

# own_tenant_request with some fields replaced.
request_with(role, action, fields) := object.union(own_tenant_request(role, action), fields)

denied_with(request, message) if {
	not passes(request)
	message in authz.deny with input as request
}
