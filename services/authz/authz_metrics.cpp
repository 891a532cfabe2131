#include "authz_metrics.hpp"

namespace memgov::authz {
namespace {

// Seconds; from 100 us (a cached decision) up to past the default timeouts.
const prometheus::Histogram::BucketBoundaries& latency_buckets() {
  static const prometheus::Histogram::BucketBoundaries buckets{
      0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.2, 0.5, 1, 2.5};
  return buckets;
}

double seconds(std::chrono::steady_clock::duration elapsed) {
  return std::chrono::duration<double>(elapsed).count();
}

actor_metrics make_actor_metrics(prometheus::Family<prometheus::Counter>& messages,
                                 prometheus::Family<prometheus::Histogram>& processing,
                                 prometheus::Family<prometheus::Gauge>& mailbox,
                                 const std::string& actor) {
  prometheus::Labels labels{{"stage", "authz"}, {"actor", actor}};
  return actor_metrics{messages.Add(labels), processing.Add(labels, latency_buckets()),
                       mailbox.Add(labels)};
}

}  // namespace

authz_metrics::authz_metrics(prometheus::Registry& registry)
    : decisions_(prometheus::BuildCounter()
                     .Name("memgov_authz_decisions_total")
                     .Help("Authorization decisions by outcome (allow, deny, error)")
                     .Register(registry)),
      opa_latency_(prometheus::BuildHistogram()
                       .Name("memgov_authz_opa_request_seconds")
                       .Help("Time of one policy evaluation request to OPA, failures included")
                       .Register(registry)
                       .Add({}, latency_buckets())),
      opa_errors_(prometheus::BuildCounter()
                      .Name("memgov_authz_opa_errors_total")
                      .Help("Failed policy evaluations by cause")
                      .Register(registry)),
      database_latency_(prometheus::BuildHistogram()
                            .Name("memgov_authz_database_seconds")
                            .Help("Time of one ownership registry call to PostgreSQL")
                            .Register(registry)),
      database_errors_(prometheus::BuildCounter()
                           .Name("memgov_authz_database_errors_total")
                           .Help("Failed ownership registry calls by operation")
                           .Register(registry)),
      cache_lookups_(prometheus::BuildCounter()
                         .Name("memgov_authz_owner_cache_lookups_total")
                         .Help("Owner cache lookups by result (hit, miss)")
                         .Register(registry)),
      claims_(prometheus::BuildCounter()
                  .Name("memgov_authz_claims_total")
                  .Help("Ownership claims of writes by result (won, lost)")
                  .Register(registry)),
      records_(prometheus::BuildCounter()
                   .Name("memgov_authz_ownership_records_total")
                   .Help("Memory ids sent to be recorded, by result (recorded, conflict, ignored)")
                   .Register(registry)),
      actor_messages_(prometheus::BuildCounter()
                          .Name("memgov_actor_messages_total")
                          .Help("Messages handled per actor type")
                          .Register(registry)),
      actor_processing_(prometheus::BuildHistogram()
                            .Name("memgov_actor_processing_seconds")
                            .Help("Time an actor spent on one message")
                            .Register(registry)),
      actor_mailbox_(prometheus::BuildGauge()
                         .Name("memgov_actor_mailbox_depth")
                         .Help("Messages sent to an actor type and not yet handled")
                         .Register(registry)),
      decisions_allow_(decisions_.Add({{"outcome", "allow"}})),
      decisions_deny_(decisions_.Add({{"outcome", "deny"}})),
      decisions_error_(decisions_.Add({{"outcome", "error"}})),
      decisions_resolve_(decisions_.Add({{"outcome", "resolve"}})),
      cache_hits_(cache_lookups_.Add({{"result", "hit"}})),
      cache_misses_(cache_lookups_.Add({{"result", "miss"}})),
      decision_actor_(
          make_actor_metrics(actor_messages_, actor_processing_, actor_mailbox_, "decision")),
      store_actor_(make_actor_metrics(actor_messages_, actor_processing_, actor_mailbox_,
                                      "ownership_store")),
      health_actor_(
          make_actor_metrics(actor_messages_, actor_processing_, actor_mailbox_, "health")) {
  for (const char* result : {"won", "lost"}) {
    claims_.Add({{"result", result}});
  }
}

void authz_metrics::count_decision(const std::string& outcome) {
  if (outcome == "allow") {
    decisions_allow_.Increment();
  } else if (outcome == "deny") {
    decisions_deny_.Increment();
  } else if (outcome == "resolve") {
    decisions_resolve_.Increment();
  } else {
    decisions_error_.Increment();
  }
}

void authz_metrics::observe_opa(std::chrono::steady_clock::duration elapsed) {
  opa_latency_.Observe(seconds(elapsed));
}

void authz_metrics::count_opa_error(const std::string& cause) {
  opa_errors_.Add({{"cause", cause}}).Increment();
}

void authz_metrics::observe_database(const std::string& operation,
                                     std::chrono::steady_clock::duration elapsed) {
  database_latency_.Add({{"operation", operation}}, latency_buckets()).Observe(seconds(elapsed));
}

void authz_metrics::count_database_error(const std::string& operation) {
  database_errors_.Add({{"operation", operation}}).Increment();
}

void authz_metrics::count_cache(bool hit) {
  (hit ? cache_hits_ : cache_misses_).Increment();
}

void authz_metrics::count_claim(bool won) {
  claims_.Add({{"result", won ? "won" : "lost"}}).Increment();
}

void authz_metrics::count_record(const std::string& result, double amount) {
  records_.Add({{"result", result}}).Increment(amount);
}

}  // namespace memgov::authz
