// Prometheus metrics of the authz stage.
#pragma once

#include <chrono>
#include <string>

#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

namespace memgov::authz {

// The three series every actor type has: messages handled, time spent per
// message and messages sent but not yet handled.
struct actor_metrics {
  prometheus::Counter& messages;
  prometheus::Histogram& processing;
  prometheus::Gauge& mailbox_depth;
};

// Counts one message as handled when it goes out of scope. A message that
// was added to the mailbox depth when sent is taken off it at once. Responses
// to an actor's own requests were never added, so they pass
// counted_in_mailbox false.
class processing_scope {
 public:
  explicit processing_scope(actor_metrics& metrics, bool counted_in_mailbox = true)
      : metrics_(metrics), started_(std::chrono::steady_clock::now()) {
    if (counted_in_mailbox)
      metrics_.mailbox_depth.Decrement();
  }
  ~processing_scope() {
    metrics_.messages.Increment();
    metrics_.processing.Observe(
        std::chrono::duration<double>(std::chrono::steady_clock::now() - started_).count());
  }
  processing_scope(const processing_scope&) = delete;
  processing_scope& operator=(const processing_scope&) = delete;

 private:
  actor_metrics& metrics_;
  std::chrono::steady_clock::time_point started_;
};

class authz_metrics {
 public:
  explicit authz_metrics(prometheus::Registry& registry);

  // outcome is "allow", "deny", "error" or "resolve" (unknown memory ids sent back to the
  // ingress for resolution).
  void count_decision(const std::string& outcome);
  void observe_opa(std::chrono::steady_clock::duration elapsed);
  // cause is a short label such as "timeout", "connect" or "http_status".
  void count_opa_error(const std::string& cause);
  // operation is "lookup", "claim", "record" or "ping".
  void observe_database(const std::string& operation, std::chrono::steady_clock::duration elapsed);
  void count_database_error(const std::string& operation);
  void count_cache(bool hit);
  void count_claim(bool won);
  // result is "recorded", "conflict" or "ignored".
  void count_record(const std::string& result, double amount = 1);

  actor_metrics& decision_actor() { return decision_actor_; }
  actor_metrics& store_actor() { return store_actor_; }
  actor_metrics& health_actor() { return health_actor_; }

 private:
  prometheus::Family<prometheus::Counter>& decisions_;
  prometheus::Histogram& opa_latency_;
  prometheus::Family<prometheus::Counter>& opa_errors_;
  prometheus::Family<prometheus::Histogram>& database_latency_;
  prometheus::Family<prometheus::Counter>& database_errors_;
  prometheus::Family<prometheus::Counter>& cache_lookups_;
  prometheus::Family<prometheus::Counter>& claims_;
  prometheus::Family<prometheus::Counter>& records_;
  prometheus::Family<prometheus::Counter>& actor_messages_;
  prometheus::Family<prometheus::Histogram>& actor_processing_;
  prometheus::Family<prometheus::Gauge>& actor_mailbox_;
  // Series of the decision path, looked up once.
  prometheus::Counter& decisions_allow_;
  prometheus::Counter& decisions_deny_;
  prometheus::Counter& decisions_error_;
  prometheus::Counter& decisions_resolve_;
  prometheus::Counter& cache_hits_;
  prometheus::Counter& cache_misses_;
  actor_metrics decision_actor_;
  actor_metrics store_actor_;
  actor_metrics health_actor_;
};

}  // namespace memgov::authz
