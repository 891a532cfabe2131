# Auditor: reads the audit log of its own tenant and never touches memories.
package mem0.authz

import rego.v1

role_actions["auditor"] := {"audit_read"}
