// Prometheus metrics of the audit-sink stage.
#pragma once

#include <string>

#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

#include "batch_write.hpp"
#include "metrics/actor_metrics.hpp"

namespace memgov::audit {

class audit_metrics {
 public:
  explicit audit_metrics(prometheus::Registry& registry);

  // memgov_audit_events_accepted_total: valid events queued for the writer.
  prometheus::Counter& accepted() { return accepted_; }
  // memgov_audit_events_written_total: events committed to PostgreSQL.
  prometheus::Counter& written() { return written_; }
  // memgov_audit_events_failed_total{cause}: events acknowledged as not durable, by cause
  // ("invalid", "queue_full", "database", "rejected", "commit_unknown").
  void count_failed(const std::string& cause, double events = 1);
  // memgov_audit_invalid_requests_total{cause}: requests that were not a readable
  // audit_event ("kind", "body").
  void count_invalid_request(const std::string& cause);
  // memgov_audit_database_errors_total{operation}: failed "connect", "write" or "ping".
  void count_database_error(const std::string& operation);
  // memgov_audit_batch_size: events per write.
  void observe_batch_size(double events) { batch_size_.Observe(events); }
  // memgov_audit_pg_batch_seconds{path}: time to write and commit one batch.
  void observe_batch_seconds(write_path path, double seconds);
  // memgov_audit_ready: 1 while the last PostgreSQL statement or ping succeeded.
  prometheus::Gauge& ready() { return ready_; }

  metrics::actor_metrics& writer_actor() { return writer_actor_; }

 private:
  prometheus::Counter& accepted_;
  prometheus::Counter& written_;
  prometheus::Family<prometheus::Counter>& failed_;
  prometheus::Family<prometheus::Counter>& invalid_requests_;
  prometheus::Family<prometheus::Counter>& database_errors_;
  prometheus::Histogram& batch_size_;
  prometheus::Family<prometheus::Histogram>& batch_seconds_;
  prometheus::Gauge& ready_;
  metrics::actor_metrics writer_actor_;
};

}  // namespace memgov::audit
