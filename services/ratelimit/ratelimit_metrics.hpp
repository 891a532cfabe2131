// Prometheus metrics of the ratelimit stage.
#pragma once

#include <array>
#include <cstddef>
#include <string>
#include <vector>

#include <prometheus/counter.h>
#include <prometheus/gauge.h>
#include <prometheus/registry.h>

#include "metrics/actor_metrics.hpp"
#include "sliding_window_limiter.hpp"

namespace memgov::ratelimit {

class ratelimit_metrics {
 public:
  // `role_labels` are role_limits::labels(); `shards` is the number of limiter actors.
  ratelimit_metrics(prometheus::Registry& registry, const std::vector<std::string>& role_labels,
                    int shards);

  // Counts one decision in memgov_ratelimit_decisions_total{outcome, role}.
  void count_decision(outcome result, std::size_t role_label);

  // Counts a request the stage could not read, by cause ("body", "kind").
  void count_invalid_request(const std::string& cause);

  // memgov_ratelimit_keys_tracked{shard}.
  prometheus::Gauge& keys_tracked(int shard) { return *keys_tracked_.at(shard); }

  metrics::actor_metrics& limiter_actor() { return limiter_actor_; }

 private:
  static constexpr std::size_t kOutcomes = 3;

  std::vector<std::array<prometheus::Counter*, kOutcomes>> decisions_;  // by role label
  prometheus::Family<prometheus::Counter>& invalid_requests_;
  std::vector<prometheus::Gauge*> keys_tracked_;
  metrics::actor_metrics limiter_actor_;
};

}  // namespace memgov::ratelimit
