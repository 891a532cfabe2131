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
