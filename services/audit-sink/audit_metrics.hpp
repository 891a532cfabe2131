// Prometheus metrics of the audit-sink stage.
#pragma once

#include <cstddef>
#include <string>

#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

#include "metrics/actor_metrics.hpp"
#include "record/record_schema.hpp"
#include "storage/batch_write.hpp"

namespace memgov::audit {

class audit_metrics {
 public:
  explicit audit_metrics(prometheus::Registry& registry);

  // memgov_audit_events_accepted_total{kind}: valid records queued for the log writer.
  prometheus::Counter& accepted(record_kind kind);
  // memgov_audit_events_acknowledged_total{kind}: records fsynced to the log and
  // acknowledged with durable=true.
  prometheus::Counter& acknowledged(record_kind kind);
  // memgov_audit_events_written_total{kind}: records committed to PostgreSQL (duplicate and
  // rejected links included, see below).
  prometheus::Counter& written(record_kind kind);
  // memgov_audit_events_duplicate_total: records whose key was already stored, kept as
  // 'duplicate' chain links.
  prometheus::Counter& duplicates() { return duplicates_; }
  // memgov_audit_events_rejected_total: records PostgreSQL refused, kept as 'rejected' chain
  // links.
  prometheus::Counter& rejected() { return rejected_; }
  // memgov_audit_events_failed_total{cause}: records acknowledged with durable=false, by cause
  // ("invalid", "starting", "queue_full", "budget", "log_write").
  void count_failed(const std::string& cause, double events = 1);
  // memgov_audit_invalid_requests_total{cause}: requests that were not a readable
  // audit_event or audit_outcome ("kind", "body").
  void count_invalid_request(const std::string& cause);
  // memgov_audit_database_errors_total{operation}: failed "connect", "write", "ping" or
  // "partition".
  void count_database_error(const std::string& operation);
  // memgov_audit_log_errors_total{operation}: failed "write" (write or fdatasync), "read",
  // "damage" (records skipped in a damaged segment), "checkpoint" or "delete".
  void count_log_error(const std::string& operation, double count = 1);
  // memgov_audit_batch_size: records per PostgreSQL transaction.
  void observe_batch_size(double records) { batch_size_.Observe(records); }
  // memgov_audit_pg_batch_seconds{path}: time to write and commit one batch.
  void observe_batch_seconds(write_path path, double seconds);
  // memgov_audit_log_sync_seconds: time to write one group to the log and fdatasync it.
  void observe_sync_seconds(double seconds) { sync_seconds_.Observe(seconds); }
  // memgov_audit_log_group_size: records made durable by one fdatasync.
  void observe_group_size(double records) { group_size_.Observe(records); }
  // memgov_audit_log_backlog_events and _bytes: records in the log not yet in PostgreSQL.
  prometheus::Gauge& backlog_events() { return backlog_events_; }
  prometheus::Gauge& backlog_bytes() { return backlog_bytes_; }
  // memgov_audit_log_disk_bytes: size of the log's segment files, which the budget limits.
  prometheus::Gauge& disk_bytes() { return disk_bytes_; }
  // memgov_audit_log_budget_bytes: audit.wal_budget_bytes.
  prometheus::Gauge& budget_bytes() { return budget_bytes_; }
  // memgov_audit_chain_sequence: sequence of the last record in the log.
  prometheus::Gauge& chain_sequence() { return chain_sequence_; }
  // memgov_audit_drained_sequence: sequence of the last record committed to PostgreSQL.
  prometheus::Gauge& drained_sequence() { return drained_sequence_; }
  // memgov_audit_database_up: 1 while the drainer's last statement or ping succeeded.
  prometheus::Gauge& database_up() { return database_up_; }

  metrics::actor_metrics& writer_actor() { return writer_actor_; }
  metrics::actor_metrics& drainer_actor() { return drainer_actor_; }

 private:
  static std::size_t kind_index(record_kind kind);

  prometheus::Family<prometheus::Counter>& accepted_;
  prometheus::Family<prometheus::Counter>& acknowledged_;
  prometheus::Family<prometheus::Counter>& written_;
  prometheus::Counter& duplicates_;
  prometheus::Counter& rejected_;
  prometheus::Family<prometheus::Counter>& failed_;
  prometheus::Family<prometheus::Counter>& invalid_requests_;
  prometheus::Family<prometheus::Counter>& database_errors_;
  prometheus::Family<prometheus::Counter>& log_errors_;
  prometheus::Histogram& batch_size_;
  prometheus::Family<prometheus::Histogram>& batch_seconds_;
  prometheus::Histogram& sync_seconds_;
  prometheus::Histogram& group_size_;
  prometheus::Gauge& backlog_events_;
  prometheus::Gauge& backlog_bytes_;
  prometheus::Gauge& disk_bytes_;
  prometheus::Gauge& budget_bytes_;
  prometheus::Gauge& chain_sequence_;
  prometheus::Gauge& drained_sequence_;
  prometheus::Gauge& database_up_;
  metrics::actor_metrics writer_actor_;
  metrics::actor_metrics drainer_actor_;
  prometheus::Counter* accepted_by_kind_[2] = {};
  prometheus::Counter* acknowledged_by_kind_[2] = {};
  prometheus::Counter* written_by_kind_[2] = {};
};

}  // namespace memgov::audit
