#include "audit_metrics.hpp"

namespace memgov::audit {
namespace {

prometheus::Histogram::BucketBoundaries size_buckets() {
  return {1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10000, 20000, 50000};
}

prometheus::Histogram::BucketBoundaries seconds_buckets() {
  return {0.0001, 0.0002, 0.0005, 0.001, 0.002, 0.005, 0.01, 0.02,
          0.05,   0.1,    0.2,    0.5,   1,     2,     5,    10};
}

prometheus::Family<prometheus::Counter>& counter_family(prometheus::Registry& registry,
                                                        const std::string& name,
                                                        const std::string& help) {
  return prometheus::BuildCounter().Name(name).Help(help).Register(registry);
}

prometheus::Gauge& gauge(prometheus::Registry& registry, const std::string& name,
                         const std::string& help) {
  return prometheus::BuildGauge().Name(name).Help(help).Register(registry).Add({});
}

prometheus::Histogram& histogram(prometheus::Registry& registry, const std::string& name,
                                 const std::string& help,
                                 const prometheus::Histogram::BucketBoundaries& buckets) {
  return prometheus::BuildHistogram().Name(name).Help(help).Register(registry).Add({}, buckets);
}

}  // namespace

audit_metrics::audit_metrics(prometheus::Registry& registry)
    : accepted_(counter_family(registry, "memgov_audit_events_accepted_total",
                               "Valid audit records queued for the log writer, by kind")),
      acknowledged_(counter_family(registry, "memgov_audit_events_acknowledged_total",
                                   "Audit records fsynced to the log and acknowledged as durable, "
                                   "by kind")),
      written_(counter_family(registry, "memgov_audit_events_written_total",
                              "Audit records committed to PostgreSQL, by kind")),
      duplicates_(counter_family(registry, "memgov_audit_events_duplicate_total",
                                 "Audit records whose key was already stored, kept as chain links")
                      .Add({})),
      rejected_(counter_family(registry, "memgov_audit_events_rejected_total",
                               "Audit records PostgreSQL refused, kept as chain links")
                    .Add({})),
      failed_(counter_family(registry, "memgov_audit_events_failed_total",
                             "Audit records acknowledged as not durable, by cause")),
      invalid_requests_(counter_family(registry, "memgov_audit_invalid_requests_total",
                                       "Requests that were not a readable audit record, by cause")),
      database_errors_(counter_family(registry, "memgov_audit_database_errors_total",
                                      "Failed PostgreSQL operations, by operation")),
      log_errors_(counter_family(registry, "memgov_audit_log_errors_total",
                                 "Failed write-ahead log operations, by operation")),
      batch_size_(histogram(registry, "memgov_audit_batch_size",
                            "Audit records written per PostgreSQL transaction", size_buckets())),
      batch_seconds_(prometheus::BuildHistogram()
                         .Name("memgov_audit_pg_batch_seconds")
                         .Help("Time to write and commit one batch in PostgreSQL, by write path")
                         .Register(registry)),
      sync_seconds_(histogram(registry, "memgov_audit_log_sync_seconds",
                              "Time to write one group of records to the log and fdatasync it",
                              seconds_buckets())),
      group_size_(histogram(registry, "memgov_audit_log_group_size",
                            "Audit records made durable by one fdatasync", size_buckets())),
      backlog_events_(gauge(registry, "memgov_audit_log_backlog_events",
                            "Audit records in the log not yet committed to PostgreSQL")),
      backlog_bytes_(gauge(registry, "memgov_audit_log_backlog_bytes",
                           "Bytes of log records not yet committed to PostgreSQL")),
      disk_bytes_(gauge(registry, "memgov_audit_log_disk_bytes",
                        "Size of the log's segment files, limited by audit.wal_budget_bytes")),
      budget_bytes_(gauge(registry, "memgov_audit_log_budget_bytes",
                          "Disk budget of the log (audit.wal_budget_bytes)")),
      chain_sequence_(gauge(registry, "memgov_audit_chain_sequence",
                            "Sequence of the last record in this sink's log")),
      drained_sequence_(gauge(registry, "memgov_audit_drained_sequence",
                              "Sequence of the last record committed to PostgreSQL")),
      database_up_(gauge(registry, "memgov_audit_database_up",
                         "1 while the drainer's last PostgreSQL statement or ping succeeded")),
      writer_actor_(registry, "audit-sink", "log_writer"),
      drainer_actor_(registry, "audit-sink", "pg_drainer") {
  // Family::Add() locks and hashes the labels, so the per-kind counters are looked up once.
  for (record_kind kind : {record_kind::event, record_kind::outcome}) {
    std::size_t index = kind_index(kind);
    accepted_by_kind_[index] = &accepted_.Add({{"kind", to_string(kind)}});
    acknowledged_by_kind_[index] = &acknowledged_.Add({{"kind", to_string(kind)}});
    written_by_kind_[index] = &written_.Add({{"kind", to_string(kind)}});
  }
}

std::size_t audit_metrics::kind_index(record_kind kind) {
  return kind == record_kind::event ? 0 : 1;
}

prometheus::Counter& audit_metrics::accepted(record_kind kind) {
  return *accepted_by_kind_[kind_index(kind)];
}

prometheus::Counter& audit_metrics::acknowledged(record_kind kind) {
  return *acknowledged_by_kind_[kind_index(kind)];
}

prometheus::Counter& audit_metrics::written(record_kind kind) {
  return *written_by_kind_[kind_index(kind)];
}

void audit_metrics::count_failed(const std::string& cause, double events) {
  failed_.Add({{"cause", cause}}).Increment(events);
}

void audit_metrics::count_invalid_request(const std::string& cause) {
  invalid_requests_.Add({{"cause", cause}}).Increment();
}

void audit_metrics::count_database_error(const std::string& operation) {
  database_errors_.Add({{"operation", operation}}).Increment();
}

void audit_metrics::count_log_error(const std::string& operation, double count) {
  log_errors_.Add({{"operation", operation}}).Increment(count);
}

void audit_metrics::observe_batch_seconds(write_path path, double seconds) {
  batch_seconds_.Add({{"path", to_string(path)}}, seconds_buckets()).Observe(seconds);
}

}  // namespace memgov::audit
