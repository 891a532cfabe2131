// Prometheus metrics of the ratelimit stage that do not depend on the backend.
#pragma once

#include <array>
#include <cstddef>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include <prometheus/counter.h>
#include <prometheus/gauge.h>
#include <prometheus/registry.h>

#include "metrics/actor_metrics.hpp"
#include "sliding_window_limiter.hpp"

namespace memgov::ratelimit {

// memgov_ratelimit_decisions_total of one limit label, indexed by outcome.
using decision_counters = std::array<prometheus::Counter*, kOutcomeCount>;

class ratelimit_metrics {
 public:
  // `shards` is the number of in-memory limiter actors (keys_tracked has one series each).
  ratelimit_metrics(prometheus::Registry& registry, int shards);

  // Returns the decision counters of one limit label ("default", a role name or
  // "tenant_override"), creating them on first use. Takes a lock, so call it when building
  // a limit table, not per request. The reference stays valid as long as this object.
  const decision_counters& decisions_for(const std::string& label);

  static void count_decision(const decision_counters& counters, outcome result) {
    counters[static_cast<std::size_t>(result)]->Increment();
  }

  // Counts a request the stage could not read, by cause ("body", "kind").
  void count_invalid_request(const std::string& cause);

  // memgov_ratelimit_keys_tracked{shard}.
  prometheus::Gauge& keys_tracked(int shard) { return *keys_tracked_.at(shard); }

  metrics::actor_metrics& limiter_actor() { return limiter_actor_; }

  // Sets memgov_ratelimit_backend_info{backend} to 1 for the backend in use.
  void set_backend(const std::string& backend);

  // memgov_ratelimit_shared_limit_violations_total: starts of a memory-backend replica that
  // found other replicas bound before it, so that limits are multiplied.
  prometheus::Counter& shared_limit_violations() { return shared_limit_violations_; }

  // Counts one SIGHUP reload by result ("applied", "unchanged", "error").
  void count_reload(const std::string& result);

 private:
  prometheus::Family<prometheus::Counter>& decisions_;
  prometheus::Family<prometheus::Counter>& invalid_requests_;
  prometheus::Family<prometheus::Gauge>& backend_info_;
  prometheus::Family<prometheus::Counter>& reloads_;
  prometheus::Counter& shared_limit_violations_;
  std::vector<prometheus::Gauge*> keys_tracked_;
  metrics::actor_metrics limiter_actor_;

  std::mutex decisions_mutex_;
  std::map<std::string, decision_counters> decisions_by_label_;  // Nodes never move.
};

}  // namespace memgov::ratelimit
