# Tenant administrator: every memory action and the admin routes, inside its own tenant.
package mem0.authz

import rego.v1

role_actions["admin"] := {"read", "write", "delete", "admin"}
