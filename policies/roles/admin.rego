# Tenant administrator: every memory action, the admin routes and the assignment and listing of
# subjects, inside its own tenant.
package mem0.authz

import rego.v1

role_actions["admin"] := {"read", "write", "delete", "admin", "subjects.assign", "subjects.list"}
