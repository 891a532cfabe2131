# Agent that only reads memories of its own tenant.
package mem0.authz

import rego.v1

role_actions["agent-reader"] := {"read"}
