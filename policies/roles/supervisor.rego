# Supervisor: reads and writes memories of its own tenant but may not delete them.
package mem0.authz

import rego.v1

role_actions["supervisor"] := {"read", "write"}
