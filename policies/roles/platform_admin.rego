# Operator of the whole gateway: every action on every tenant's data, including the wildcard
# resource and targets without an owner.
package mem0.authz

import rego.v1

role_actions["platform-admin"] := known_actions

# Exempts the role from the tenant isolation rules in tenancy.rego.
cross_tenant_roles contains "platform-admin"
