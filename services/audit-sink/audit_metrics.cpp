#include "audit_metrics.hpp"

namespace memgov::audit {
namespace {

prometheus::Histogram::BucketBoundaries batch_size_buckets() {
  return {1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10000};
}

prometheus::Histogram::BucketBoundaries batch_seconds_buckets() {
  return {0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10};
}

}  // namespace

audit_metrics::audit_metrics(prometheus::Registry& registry)
    : accepted_(prometheus::BuildCounter()
                    .Name("memgov_audit_events_accepted_total")
                    .Help("Valid audit events queued for the PostgreSQL writer")
                    .Register(registry)
                    .Add({})),
      written_(prometheus::BuildCounter()
                   .Name("memgov_audit_events_written_total")
                   .Help("Audit events committed to PostgreSQL")
                   .Register(registry)
                   .Add({})),
      failed_(prometheus::BuildCounter()
                  .Name("memgov_audit_events_failed_total")
                  .Help("Audit events acknowledged as not durable, by cause")
                  .Register(registry)),
      invalid_requests_(prometheus::BuildCounter()
                            .Name("memgov_audit_invalid_requests_total")
                            .Help("Requests that were not a readable audit_event, by cause")
                            .Register(registry)),
      database_errors_(prometheus::BuildCounter()
                           .Name("memgov_audit_database_errors_total")
                           .Help("Failed PostgreSQL operations, by operation")
                           .Register(registry)),
      batch_size_(prometheus::BuildHistogram()
                      .Name("memgov_audit_batch_size")
                      .Help("Audit events written per PostgreSQL transaction")
                      .Register(registry)
                      .Add({}, batch_size_buckets())),
      batch_seconds_(prometheus::BuildHistogram()
                         .Name("memgov_audit_pg_batch_seconds")
                         .Help("Time to write and commit one batch in PostgreSQL, by write path")
                         .Register(registry)),
      ready_(prometheus::BuildGauge()
                 .Name("memgov_audit_ready")
                 .Help("1 while the last PostgreSQL statement or ping succeeded, else 0")
                 .Register(registry)
                 .Add({})),
      writer_actor_(registry, "audit-sink", "pg_writer") {}

void audit_metrics::count_failed(const std::string& cause, double events) {
  failed_.Add({{"cause", cause}}).Increment(events);
}

void audit_metrics::count_invalid_request(const std::string& cause) {
  invalid_requests_.Add({{"cause", cause}}).Increment();
}

void audit_metrics::count_database_error(const std::string& operation) {
  database_errors_.Add({{"operation", operation}}).Increment();
}

void audit_metrics::observe_batch_seconds(write_path path, double seconds) {
  batch_seconds_.Add({{"path", to_string(path)}}, batch_seconds_buckets()).Observe(seconds);
}

}  // namespace memgov::audit
