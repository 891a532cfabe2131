// The Redis ratelimit backend: every check is decided atomically by a script run on a Redis
// server shared by all replicas, so the limits hold across replicas.
//
// The backend runs on an event loop: the stage's server loop, so that a request read from
// the stage socket goes to Redis and its decision back to the socket on one thread, or a loop
// of its own. Checks queue until the end of the loop's round. Then they go to an open
// connection (redis_connection) as one batch, also while earlier batches wait for replies,
// up to ratelimit.redis_pipeline_depth batches per connection. A check that cannot be sent
// within ratelimit.redis_queue_timeout_ms fails.
//
// The failure mode handles a check that Redis does not decide (down, slow, error reply). With
// closed the check gets outcome::store_unavailable. With local the fallback backend (this
// replica's in-memory limiter) decides it, and memgov_ratelimit_fallback_total counts it.
#pragma once

#include <atomic>
#include <chrono>
#include <memory>
#include <string>

#include "ratelimit_backend.hpp"
#include "ratelimit_settings.hpp"
#include "redis_metrics.hpp"
#include "transport/event_loop.hpp"

namespace caf {
class actor_system;
}

namespace memgov::ratelimit {

struct redis_backend_options {
  redis_endpoint endpoint;
  std::chrono::milliseconds timeout{50};
  std::chrono::seconds window{60};
  int connections = 1;
  std::size_t pipeline_depth = 1;
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

class redis_backend_core;

class redis_backend final : public ratelimit_backend {
 public:
  // Starts on a loop of its own; the connections open in the background. `metrics` and
  // `fallback` must outlive the actors (until the actor system has finished every actor).
  // `fallback` is used only with failure_mode::local, where it must not be null.
  redis_backend(caf::actor_system& system, const redis_backend_options& options,
                redis_metrics& metrics, ratelimit_backend* fallback);

  // Adds the backend to `loop`, which must not be started yet; the caller starts and stops
  // it. Otherwise as above.
  redis_backend(caf::actor_system& system, transport::event_loop loop,
                const redis_backend_options& options, redis_metrics& metrics,
                ratelimit_backend* fallback);
  ~redis_backend() override;

  // Safe from any thread; cheapest on the loop thread, where no task is posted.
  void check(std::string key, std::uint32_t limit, decision_callback done) override;
  // With failure mode local always true; with closed, whether a connection is open.
  bool ready() const override;
  // Stops the connector and, when the backend has a loop of its own, the loop. Checks
  // queued or waiting for Redis get no callback once the loop has stopped.
  void stop() override;

  // Connections open now. Safe from any thread.
  int open_connections() const;

 private:
  const failure_mode on_failure_;
  const std::uint32_t window_seconds_;
  transport::event_loop loop_;
  bool owns_loop_ = false;
  std::shared_ptr<redis_backend_core> core_;
  std::atomic<bool> stopped_{false};
};

}  // namespace memgov::ratelimit
