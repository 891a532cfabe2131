// The in-memory ratelimit backend: keys are spread by hash over a few limiter_shard actors,
// so each key's log is touched by one actor only and needs no lock.
//
// Counts are per replica: with N ratelimit replicas a key can be admitted up to N * limit
// times per window. The Redis backend (redis_backend.hpp) shares them.
#pragma once

#include <atomic>
#include <memory>
#include <vector>

#include <caf/actor.hpp>

#include "limiter_actor.hpp"
#include "ratelimit_backend.hpp"

namespace caf {
class actor_system;
}

namespace memgov::ratelimit {

class ratelimit_metrics;

struct memory_backend_options {
  std::chrono::seconds window{60};
  int shards = 2;
  std::size_t max_keys = 500000;  // Over all shards.
  std::chrono::seconds sweep_interval{5};
};

class memory_backend final : public ratelimit_backend {
 public:
  // Spawns the shards. `metrics` must outlive the shards (until the actor system has
  // finished every actor).
  memory_backend(caf::actor_system& system, const memory_backend_options& options,
                 std::shared_ptr<const time_source> clock, ratelimit_metrics& metrics);
  ~memory_backend() override;

  void check(std::string key, std::uint32_t limit, decision_callback done) override;
  bool ready() const override { return true; }
  void stop() override;

 private:
  std::vector<caf::actor> shards_;  // Never changed after construction.
  ratelimit_metrics& metrics_;
  std::atomic<bool> stopped_{false};
};

}  // namespace memgov::ratelimit
