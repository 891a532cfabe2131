// The schema of the audit tables, created or upgraded when the drainer connects (and by
// `memgovctl migrate`).
#pragma once

namespace pqxx {
class connection_base;
}

namespace memgov::audit {

// Schema version this build writes; recorded in memgov_schema_migrations.
inline constexpr int kAuditSchemaVersion = 2;

// Applies every migration step newer than the version recorded for component "audit-sink",
// each in its own transaction, under the transaction-scoped advisory lock
// pg_advisory_xact_lock(hashtext('memgov_schema_migrations')) so that replicas starting
// together do not race. Then checks that the tables have every column the sink writes.
// A database already at the current version needs no DDL privilege, so the sink can run as a
// role that may only INSERT and SELECT (see docs/audit.md). Returns the schema version.
// Throws std::runtime_error or a pqxx exception on failure.
int migrate_audit_schema(pqxx::connection_base& connection);

}  // namespace memgov::audit
