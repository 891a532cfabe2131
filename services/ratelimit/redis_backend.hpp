// The Redis ratelimit backend: every check is one atomic script run on a Redis server shared
// by all replicas, so the limits hold across replicas.
//
// Checks go to the next open connection in turn (redis_connection); each connection sends
// them in pipelined batches. The failure mode handles a check that Redis does not decide
// (down, slow, error reply). With closed the check gets outcome::store_unavailable. With
// local the fallback backend (this replica's in-memory limiter) decides it, and
// memgov_ratelimit_fallback_total counts it.
#pragma once

#include <atomic>
#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include <caf/actor.hpp>

#include "member_source.hpp"
#include "ratelimit_backend.hpp"
#include "ratelimit_settings.hpp"
#include "redis_connection.hpp"
#include "redis_metrics.hpp"

namespace caf {
class actor_system;
}

namespace memgov::ratelimit {

struct redis_backend_options {
  redis_endpoint endpoint;
  std::chrono::milliseconds timeout{50};
  std::chrono::seconds window{60};
  int connections = 2;
  std::size_t batch_max = 512;
  std::chrono::milliseconds queue_timeout{250};
  std::string key_prefix = "memgov:ratelimit:";
  failure_mode on_failure = failure_mode::closed;
  std::chrono::milliseconds backoff_initial{100};
  std::chrono::milliseconds backoff_max{5000};
  std::chrono::milliseconds health_interval{1000};
};

// Builds the options from the stage settings.
redis_backend_options make_redis_backend_options(const ratelimit_settings& settings);

class redis_backend final : public ratelimit_backend {
 public:
  // Starts the connection actors, which connect in the background. `metrics` and `fallback`
  // must outlive the actors (until the actor system has finished every actor). `fallback`
  // is used only with failure_mode::local, where it must not be null.
  redis_backend(caf::actor_system& system, const redis_backend_options& options,
                redis_metrics& metrics, ratelimit_backend* fallback);
  ~redis_backend() override;

  void check(std::string key, std::uint32_t limit, decision_callback done) override;
  // With failure mode local always true; with closed, whether a connection is open.
  bool ready() const override;
  void stop() override;

  // Connections open now.
  int open_connections() const;

 private:
  void on_failure(redis_check&& check, const std::string& cause, const std::string& error);

  redis_backend_options options_;
  redis_metrics& metrics_;
  ratelimit_backend* fallback_;
  member_source members_;
  std::vector<caf::actor> connections_;  // Never changed after construction.
  std::vector<std::shared_ptr<connection_status>> statuses_;
  std::atomic<std::size_t> next_{0};
  std::atomic<bool> stopped_{false};
  std::uint32_t window_seconds_;
};

}  // namespace memgov::ratelimit
