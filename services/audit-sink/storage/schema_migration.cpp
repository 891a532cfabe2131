#include "storage/schema_migration.hpp"

#include <set>
#include <stdexcept>
#include <string>
#include <vector>

#include <pqxx/pqxx>

#include "record/record_schema.hpp"

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

// Version 1: the partitioned, append-only, hash-chained audit tables.
//
// Indexes are the main cost of ingest, so each one serves a known query:
// - the unique key makes replays idempotent;
// - (sink_id, sequence) lets memgovctl verify walk each chain in order;
// - (tenant_id, timestamp) serves per-tenant queries, such as a tenant's latest rows;
// - a BRIN index on timestamp serves the time ranges the reports read. It has a few pages per
//   partition, because rows arrive in time order.
// There is no (decision, timestamp) index. It cost about a tenth of the COPY throughput, and
// the failed-access report reads its whole date range anyway. The unique key lists "timestamp"
// first: uniqueness does not depend on the order, ON CONFLICT (event_id, "timestamp") finds
// the key either way, and new keys go to the right edge of the B-tree instead of the random
// leaf pages that random UUIDs would touch.
constexpr const char* kVersion1 = R"sql(
CREATE FUNCTION memgov_audit_reject_change() RETURNS trigger
LANGUAGE plpgsql AS $fn$
BEGIN
  RAISE EXCEPTION '% on % is not allowed: the audit tables are append-only', TG_OP, TG_TABLE_NAME
    USING ERRCODE = 'insufficient_privilege',
          HINT = 'Whole months are removed by memgov_audit_drop_partitions(month).';
END
$fn$;

CREATE TABLE mem0_audit_log (
  event_id uuid NOT NULL,
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
  policy_revision text,
  sink_id text NOT NULL,
  sequence bigint NOT NULL,
  prev_hash bytea NOT NULL,
  row_hash bytea NOT NULL,
  CONSTRAINT mem0_audit_log_event_key UNIQUE ("timestamp", event_id)
) PARTITION BY RANGE ("timestamp");
CREATE INDEX mem0_audit_log_tenant_timestamp_idx ON mem0_audit_log (tenant_id, "timestamp");
CREATE INDEX mem0_audit_log_chain_idx ON mem0_audit_log (sink_id, sequence);
CREATE INDEX mem0_audit_log_timestamp_brin ON mem0_audit_log USING brin ("timestamp");

CREATE TABLE mem0_audit_outcome (
  event_id uuid NOT NULL,
  "timestamp" timestamptz NOT NULL,
  completed_at timestamptz,
  request_id text,
  status_code integer,
  upstream_status integer,
  upstream_latency_ms double precision,
  latency_ms double precision,
  error text,
  sink_id text NOT NULL,
  sequence bigint NOT NULL,
  prev_hash bytea NOT NULL,
  row_hash bytea NOT NULL,
  CONSTRAINT mem0_audit_outcome_event_key UNIQUE ("timestamp", event_id)
) PARTITION BY RANGE ("timestamp");
CREATE INDEX mem0_audit_outcome_chain_idx ON mem0_audit_outcome (sink_id, sequence);

-- Chain links whose record is not a row of the two tables above: a duplicate of a record
-- already stored (the same event_id sent to two sinks), or a record PostgreSQL rejected.
-- canonical holds the hashed bytes, so the chain stays verifiable through these links.
CREATE TABLE mem0_audit_chain_link (
  sink_id text NOT NULL,
  sequence bigint NOT NULL,
  record_kind text NOT NULL CHECK (record_kind IN ('event', 'outcome')),
  event_id text,
  "timestamp" timestamptz,
  status text NOT NULL CHECK (status IN ('duplicate', 'rejected')),
  detail text,
  canonical bytea NOT NULL,
  prev_hash bytea NOT NULL,
  row_hash bytea NOT NULL,
  recorded_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (sink_id, sequence)
);

-- One row per month removed by memgov_audit_drop_partitions(); memgovctl verify reads it to
-- tell rows dropped by retention from rows removed otherwise.
CREATE TABLE mem0_audit_retention (
  month date PRIMARY KEY,
  dropped_at timestamptz NOT NULL DEFAULT now(),
  dropped_by text NOT NULL DEFAULT current_user,
  partitions text[] NOT NULL
);

CREATE TRIGGER memgov_audit_append_only BEFORE UPDATE OR DELETE ON mem0_audit_log
  FOR EACH ROW EXECUTE FUNCTION memgov_audit_reject_change();
CREATE TRIGGER memgov_audit_no_truncate BEFORE TRUNCATE ON mem0_audit_log
  FOR EACH STATEMENT EXECUTE FUNCTION memgov_audit_reject_change();
CREATE TRIGGER memgov_audit_append_only BEFORE UPDATE OR DELETE ON mem0_audit_outcome
  FOR EACH ROW EXECUTE FUNCTION memgov_audit_reject_change();
CREATE TRIGGER memgov_audit_no_truncate BEFORE TRUNCATE ON mem0_audit_outcome
  FOR EACH STATEMENT EXECUTE FUNCTION memgov_audit_reject_change();
CREATE TRIGGER memgov_audit_append_only BEFORE UPDATE OR DELETE ON mem0_audit_chain_link
  FOR EACH ROW EXECUTE FUNCTION memgov_audit_reject_change();
CREATE TRIGGER memgov_audit_no_truncate BEFORE TRUNCATE ON mem0_audit_chain_link
  FOR EACH STATEMENT EXECUTE FUNCTION memgov_audit_reject_change();
CREATE TRIGGER memgov_audit_append_only BEFORE UPDATE OR DELETE ON mem0_audit_retention
  FOR EACH ROW EXECUTE FUNCTION memgov_audit_reject_change();
CREATE TRIGGER memgov_audit_no_truncate BEFORE TRUNCATE ON mem0_audit_retention
  FOR EACH STATEMENT EXECUTE FUNCTION memgov_audit_reject_change();

CREATE FUNCTION memgov_audit_partition_name(parent text, month_start date) RETURNS text
LANGUAGE sql STABLE AS $fn$
  SELECT parent || '_y' || to_char(month_start, 'YYYY') || 'm' || to_char(month_start, 'MM')
$fn$;

-- Creates the month's partitions of both partitioned tables where missing and returns the
-- names created. SECURITY DEFINER, so a sink role without ownership of the tables can call it.
-- A TRUNCATE trigger is added to each partition, because TRUNCATE of a partition does not
-- fire the statement triggers of its parent.
CREATE FUNCTION memgov_audit_ensure_partitions(month_start date) RETURNS SETOF text
LANGUAGE plpgsql SECURITY DEFINER SET search_path FROM CURRENT AS $fn$
DECLARE
  parent text;
  child text;
  lower_bound timestamptz := month_start::timestamp AT TIME ZONE 'UTC';
  upper_bound timestamptz := (month_start + interval '1 month') AT TIME ZONE 'UTC';
BEGIN
  IF month_start IS NULL OR month_start <> date_trunc('month', month_start)::date THEN
    RAISE EXCEPTION 'memgov_audit_ensure_partitions: % is not the first day of a month',
      month_start;
  END IF;
  PERFORM pg_advisory_xact_lock(hashtext('memgov_audit_partitions'));
  FOREACH parent IN ARRAY ARRAY['mem0_audit_log', 'mem0_audit_outcome'] LOOP
    child := memgov_audit_partition_name(parent, month_start);
    IF to_regclass(quote_ident(child)) IS NULL THEN
      EXECUTE format('CREATE TABLE %I PARTITION OF %I FOR VALUES FROM (%L) TO (%L)',
                     child, parent, lower_bound, upper_bound);
      EXECUTE format('CREATE TRIGGER memgov_audit_no_truncate BEFORE TRUNCATE ON %I '
                     'FOR EACH STATEMENT EXECUTE FUNCTION memgov_audit_reject_change()', child);
      RETURN NEXT child;
    END IF;
  END LOOP;
END
$fn$;

-- Retention: drops the month's partitions of both tables and records the month in
-- mem0_audit_retention. Only the tables' owner can run it (DROP TABLE needs ownership).
CREATE FUNCTION memgov_audit_drop_partitions(month_start date) RETURNS SETOF text
LANGUAGE plpgsql AS $fn$
DECLARE
  parent text;
  child text;
  dropped text[] := '{}';
BEGIN
  IF month_start IS NULL OR month_start <> date_trunc('month', month_start)::date THEN
    RAISE EXCEPTION 'memgov_audit_drop_partitions: % is not the first day of a month',
      month_start;
  END IF;
  IF month_start >= date_trunc('month', now() AT TIME ZONE 'UTC')::date THEN
    RAISE EXCEPTION 'memgov_audit_drop_partitions: % is the current month or later', month_start;
  END IF;
  PERFORM pg_advisory_xact_lock(hashtext('memgov_audit_partitions'));
  FOREACH parent IN ARRAY ARRAY['mem0_audit_log', 'mem0_audit_outcome'] LOOP
    child := memgov_audit_partition_name(parent, month_start);
    IF to_regclass(quote_ident(child)) IS NOT NULL THEN
      EXECUTE format('DROP TABLE %I', child);
      dropped := dropped || child;
      RETURN NEXT child;
    END IF;
  END LOOP;
  INSERT INTO mem0_audit_retention (month, partitions) VALUES (month_start, dropped)
    ON CONFLICT (month) DO NOTHING;
END
$fn$;
)sql";

// Version 2.
//
// PostgreSQL grants EXECUTE on a new function to PUBLIC. The partition function is SECURITY
// DEFINER and runs with the owner's rights, so from this version on only the owner and the
// roles it grants EXECUTE to (see docs/audit.md) may call it. The retention function is
// revoked too, so that a denied call fails on the privilege rather than inside DROP TABLE.
//
// mem0_audit_request shows one row per audit event with its request's final status. The
// event row of an allowed request is written before Mem0 responds, so its status_code is
// NULL, and the outcome row written afterwards carries the status and latency. The view joins the
// two on their shared unique key, which lets PostgreSQL join partition by partition.
constexpr const char* kVersion2 = R"sql(
REVOKE EXECUTE ON FUNCTION memgov_audit_ensure_partitions(date) FROM PUBLIC;
REVOKE EXECUTE ON FUNCTION memgov_audit_drop_partitions(date) FROM PUBLIC;

CREATE VIEW mem0_audit_request AS
SELECT
  l.event_id,
  l."timestamp",
  l.request_id,
  l.tenant_id,
  l.actor_id,
  l.actor_role,
  l.action,
  l.resource,
  l.decision,
  l.reason,
  l.method,
  l.path,
  coalesce(o.status_code, l.status_code) AS status_code,
  coalesce(o.latency_ms, l.latency_ms) AS latency_ms,
  l.source_ip,
  l.policy_revision,
  l.latency_ms AS decision_latency_ms,
  o.upstream_status,
  o.upstream_latency_ms,
  o.error AS upstream_error,
  o.completed_at
FROM mem0_audit_log l
LEFT JOIN mem0_audit_outcome o ON o."timestamp" = l."timestamp" AND o.event_id = l.event_id;
)sql";

struct migration_step {
  int version;
  const char* sql;
};

// Append new steps at the end; never edit a step that has been released.
const std::vector<migration_step>& migration_steps() {
  static const std::vector<migration_step> steps = {
      {1, kVersion1},
      {2, kVersion2},
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

std::string unquoted(const char* identifier) {
  std::string name(identifier);
  if (name.size() >= 2 && name.front() == '"') {
    name = name.substr(1, name.size() - 2);
  }
  return name;
}

void check_columns(pqxx::connection_base& connection, record_kind kind) {
  pqxx::nontransaction tx(connection);
  pqxx::result rows = tx.exec(
      "SELECT column_name FROM information_schema.columns "
      "WHERE table_schema = current_schema() AND table_name = " +
      tx.quote(table_name(kind)));
  std::set<std::string> present;
  for (const auto& row : rows) {
    present.insert(row[0].as<std::string>());
  }
  std::vector<std::string> required;
  for (const column_spec& column : record_columns(kind)) {
    required.push_back(unquoted(column.name));
  }
  required.push_back("prev_hash");
  required.push_back("row_hash");
  std::string missing;
  for (const std::string& column : required) {
    if (present.count(column) == 0) {
      missing += missing.empty() ? column : ", " + column;
    }
  }
  if (!missing.empty()) {
    throw std::runtime_error(std::string("table ") + table_name(kind) + " lacks column(s) " +
                             missing + "; migrate or rename the existing table");
  }
}

}  // namespace

int migrate_audit_schema(pqxx::connection_base& connection) {
  int version = 0;
  {
    // A database at the current version needs no DDL, so check before CREATE TABLE IF NOT
    // EXISTS, which needs the CREATE privilege even when the table exists.
    pqxx::work tx(connection, "memgov_audit_schema_version");
    pqxx::result exists = tx.exec("SELECT to_regclass('memgov_schema_migrations') IS NOT NULL");
    if (exists[0][0].as<bool>()) {
      version = recorded_version(tx);
    }
    tx.commit();
  }
  if (version < migration_steps().back().version) {
    {
      pqxx::work tx(connection, "memgov_migrations_table");
      lock_migrations(tx);
      tx.exec(kCreateMigrationsTable);
      tx.commit();
    }
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
  }
  if (version > kAuditSchemaVersion) {
    throw std::runtime_error("the audit schema is at version " + std::to_string(version) +
                             ", newer than this build's " + std::to_string(kAuditSchemaVersion) +
                             "; run a newer memgov-audit-sink");
  }
  check_columns(connection, record_kind::event);
  check_columns(connection, record_kind::outcome);
  return version;
}

}  // namespace memgov::audit
