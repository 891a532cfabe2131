// The schema of mem0_audit_log, created or upgraded when the writer connects.
#pragma once

namespace pqxx {
class connection_base;
}

namespace memgov::audit {

// Schema version this build writes; recorded in memgov_schema_migrations.
inline constexpr int kAuditSchemaVersion = 1;

// Applies every migration step newer than the version recorded for component "audit-sink",
// each in its own transaction, under the transaction-scoped advisory lock
// pg_advisory_xact_lock(hashtext('memgov_schema_migrations')) so that replicas starting
// together do not race. Then checks that mem0_audit_log has every column the writer uses.
// Returns the schema version. Throws std::runtime_error or a pqxx exception on failure.
int migrate_audit_schema(pqxx::connection_base& connection);

}  // namespace memgov::audit
