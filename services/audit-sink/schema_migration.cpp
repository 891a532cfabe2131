#include "schema_migration.hpp"

#include <set>
#include <stdexcept>
#include <string>
#include <vector>

#include <pqxx/pqxx>

namespace memgov::audit {
namespace {

constexpr const char* kComponent = "audit-sink";

constexpr const char* kCreateMigrationsTable = R"sql(
CREATE TABLE IF NOT EXISTS memgov_schema_migrations (
  component text NOT NULL,
  version integer NOT NULL,
  applied_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (component, version)
))sql";

struct migration_step {
  int version;
  const char* sql;
};

// Append new steps at the end; never edit a step that has been released.
const std::vector<migration_step>& migration_steps() {
  static const std::vector<migration_step> steps = {
      {1, R"sql(
CREATE TABLE IF NOT EXISTS mem0_audit_log (
  id bigserial PRIMARY KEY,
  event_id uuid NOT NULL UNIQUE,
  "timestamp" timestamptz NOT NULL,
  request_id text,
  tenant_id text,
  actor_id text,
  actor_role text,
  action text,
  resource text,
  decision text NOT NULL
    CHECK (decision IN ('allow', 'deny', 'invalid_request', 'rate_limited', 'error')),
  reason text,
  method text,
  path text,
  status_code integer,
  latency_ms double precision,
  source_ip text,
  policy_revision text
);
CREATE INDEX IF NOT EXISTS mem0_audit_log_timestamp_idx ON mem0_audit_log ("timestamp");
CREATE INDEX IF NOT EXISTS mem0_audit_log_tenant_timestamp_idx
  ON mem0_audit_log (tenant_id, "timestamp");
CREATE INDEX IF NOT EXISTS mem0_audit_log_decision_timestamp_idx
  ON mem0_audit_log (decision, "timestamp");
)sql"},
  };
  return steps;
}

void lock_migrations(pqxx::transaction_base& tx) {
  tx.exec("SELECT pg_advisory_xact_lock(hashtext('memgov_schema_migrations'))");
}

int recorded_version(pqxx::transaction_base& tx) {
  pqxx::result rows = tx.exec(
      "SELECT coalesce(max(version), 0) FROM memgov_schema_migrations "
      "WHERE component = " +
      tx.quote(kComponent));
  return rows[0][0].as<int>();
}

void check_columns(pqxx::connection_base& connection) {
  static const char* const required[] = {
      "id",         "event_id",    "timestamp",  "request_id", "tenant_id",       "actor_id",
      "actor_role", "action",      "resource",   "decision",   "reason",          "method",
      "path",       "status_code", "latency_ms", "source_ip",  "policy_revision",
  };
  pqxx::nontransaction tx(connection);
  pqxx::result rows = tx.exec(
      "SELECT column_name FROM information_schema.columns "
      "WHERE table_schema = current_schema() AND table_name = 'mem0_audit_log'");
  std::set<std::string> present;
  for (const auto& row : rows) {
    present.insert(row[0].as<std::string>());
  }
  std::string missing;
  for (const char* column : required) {
    if (present.count(column) == 0) {
      missing += missing.empty() ? column : std::string(", ") + column;
    }
  }
  if (!missing.empty()) {
    throw std::runtime_error("table mem0_audit_log lacks column(s) " + missing +
                             "; migrate or rename the existing table");
  }
}

}  // namespace

int migrate_audit_schema(pqxx::connection_base& connection) {
  {
    pqxx::work tx(connection, "memgov_migrations_table");
    lock_migrations(tx);
    tx.exec(kCreateMigrationsTable);
    tx.commit();
  }
  int version = 0;
  for (const migration_step& step : migration_steps()) {
    pqxx::work tx(connection, "memgov_audit_migration");
    lock_migrations(tx);
    version = recorded_version(tx);
    if (step.version <= version) {
      continue;
    }
    tx.exec(step.sql);
    tx.exec("INSERT INTO memgov_schema_migrations (component, version) VALUES (" +
            tx.quote(kComponent) + ", " + std::to_string(step.version) + ")");
    tx.commit();
    version = step.version;
  }
  check_columns(connection);
  return version;
}

}  // namespace memgov::audit
