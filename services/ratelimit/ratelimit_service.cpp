#include "ratelimit_service.hpp"

#include <csignal>
#include <memory>

#include <caf/actor_system.hpp>

#include "limit_table.hpp"
#include "limits_reload.hpp"
#include "log/logger.hpp"
#include "memory_backend.hpp"
#include "metrics/metrics_server.hpp"
#include "ratelimit_handler.hpp"
#include "ratelimit_metrics.hpp"
#include "ratelimit_settings.hpp"
#include "redis_backend.hpp"
#include "redis_metrics.hpp"
#include "runtime/actor_runtime.hpp"
#include "runtime/signals.hpp"
#include "transport/event_loop.hpp"
#include "transport/stage_server.hpp"

namespace memgov::ratelimit {
namespace {

void log_backend_choice(const log::logger& logger, const ratelimit_settings& settings) {
  if (settings.backend == backend_kind::memory) {
    logger.warning(
        "rate limits are per replica: the memory backend counts only the requests this "
        "replica sees, so with N ratelimit replicas a tenant/actor pair may be admitted up to N "
        "times its limit per window; set REDIS_URL (or ratelimit.backend = redis) to share the "
        "counts",
        {{"backend", "memory"}});
    if (!settings.redis_url.empty()) {
      logger.info("ratelimit.backend is memory, so the Redis URL is not used",
                  {{"redis", settings.redis.redacted()}});
    }
    return;
  }
  logger.info("rate limit counts are kept in Redis, shared by every replica",
              {{"backend", "redis"},
               {"redis", settings.redis.redacted()},
               {"failure_mode", to_string(settings.redis_failure_mode)},
               {"connections", std::to_string(settings.redis_connections)},
               {"timeout_ms", std::to_string(settings.redis_timeout.count())}});
  if (settings.redis_failure_mode == failure_mode::closed) {
    logger.info(
        "failure mode closed: while Redis fails, checks get an error reply and the "
        "ingress rejects the requests with 503");
  } else {
    logger.warning(
        "failure mode local: while Redis fails, each replica decides alone with its "
        "in-memory limiter, so limits are multiplied by the replica count");
  }
}

// A replica that bound slot > 0 of the range found other replicas already bound, which on
// the memory backend means every replica counts alone. Starting anyway keeps the service up.
void report_other_replicas(const log::logger& logger, const ratelimit_settings& settings, int slot,
                           ratelimit_metrics& metrics) {
  if (settings.backend != backend_kind::memory || slot == 0) {
    return;
  }
  metrics.shared_limit_violations().Increment();
  logger.error(
      "other ratelimit replicas are running and this one uses the memory backend, so "
      "limits are not shared: each replica admits up to the full limit; use the Redis "
      "backend for more than one replica",
      {{"slot", std::to_string(slot)},
       {"replicas_at_least", std::to_string(slot + 1)},
       {"bind", settings.bind}});
}

memory_backend_options make_memory_options(const ratelimit_settings& settings) {
  memory_backend_options options;
  options.window = settings.window;
  options.shards = settings.shards;
  options.max_keys = settings.max_keys;
  options.sweep_interval = settings.sweep_interval;
  return options;
}

// The checks of /ready. With Redis and failure mode local, a Redis outage leaves the stage
// ready, because the in-memory fallback decides, so Redis is then shown but not required.
std::vector<metrics::readiness_check> readiness_checks(const ratelimit_settings& settings,
                                                       const memory_backend* memory,
                                                       const redis_backend* redis) {
  std::vector<metrics::readiness_check> checks;
  if (redis != nullptr) {
    int connections = settings.redis_connections;
    checks.push_back(
        {"redis", settings.redis_failure_mode == failure_mode::closed, [redis, connections] {
           int open = redis->open_connections();
           return metrics::check_state{
               open > 0,
               std::to_string(open) + " of " + std::to_string(connections) + " connections open"};
         }});
  }
  if (memory != nullptr) {
    checks.push_back({"memory", true, [] { return metrics::check_state{true, ""}; }});
  }
  return checks;
}

}  // namespace

int run_ratelimit_stage(const config::settings_source& source) {
  log::logger logger("main");
  ratelimit_settings settings = load_ratelimit_settings(source);

  // Everything the actors use is declared before the runtime's work starts and is only
  // destroyed after await_all_actors_done() below.
  metrics::metrics_server metrics_server(settings.metrics_listen);
  ratelimit_metrics metrics(metrics_server.registry(), settings.shards);
  limits_holder limits(std::make_shared<const limit_table>(settings.limits, &metrics));
  logger.info("starting", {{"window_seconds", std::to_string(settings.window.count())},
                           {"limits", limits.current()->describe()},
                           {"backend", to_string(settings.backend)}});
  log_backend_choice(logger, settings);
  runtime::actor_runtime runtime(2);
  // One loop serves the stage socket and the Redis connections, so that a check read from
  // the socket goes to Redis and its decision back without a thread hand-off.
  transport::event_loop loop(runtime.system(), "ratelimit");

  // The memory backend is the backend itself, or the fallback of failure mode local.
  std::unique_ptr<memory_backend> memory;
  std::unique_ptr<redis_metrics> redis_stats;
  std::unique_ptr<redis_backend> redis;
  bool redis_selected = settings.backend == backend_kind::redis;
  if (!redis_selected || settings.redis_failure_mode == failure_mode::local) {
    memory = std::make_unique<memory_backend>(runtime.system(), make_memory_options(settings),
                                              std::make_shared<steady_time_source>(), metrics);
  }
  ratelimit_backend* backend = memory.get();
  if (redis_selected) {
    redis_stats = std::make_unique<redis_metrics>(metrics_server.registry());
    redis = std::make_unique<redis_backend>(
        runtime.system(), loop, make_redis_backend_options(settings), *redis_stats, memory.get());
    backend = redis.get();
  }
  metrics.set_backend(to_string(settings.backend));
  metrics_server.set_readiness_checks("ratelimit",
                                      readiness_checks(settings, memory.get(), redis.get()));

  transport::stage_server server(
      loop, {"ratelimit", settings.bind, [backend] { return backend->ready(); }},
      make_ratelimit_handler(limits, *backend, metrics));
  loop.start();
  report_other_replicas(logger, settings, server.slot(), metrics);
  logger.info("ready", {{"endpoint", server.bound_endpoint()},
                        {"metrics", metrics_server.bound_address()},
                        {"backend", to_string(settings.backend)}});

  int signal_number = 0;
  while ((signal_number = runtime::wait_for_signal()) == SIGHUP) {
    logger.info("SIGHUP received; reloading the rate limits");
    reload_from_environment(settings, limits, metrics);
  }
  logger.info("stopping", {{"signal", std::to_string(signal_number)}});

  metrics_server.set_readiness_checks("ratelimit", {});
  server.stop();
  if (redis) {
    redis->stop();
  }
  loop.stop();
  if (memory) {
    memory->stop();
  }
  runtime.system().await_all_actors_done();
  logger.info("stopped");
  return 0;
}

}  // namespace memgov::ratelimit
