# Agent that stores and reads memories of its own tenant.
package mem0.authz

import rego.v1

role_actions["agent-writer"] := {"read", "write"}
