// memgov-ratelimit: decides whether a tenant's actor may make another request.
#include <csignal>
#include <memory>

#include <caf/actor_system.hpp>

#include "log/logger.hpp"
#include "memory_backend.hpp"
#include "metrics/metrics_server.hpp"
#include "ratelimit_handler.hpp"
#include "ratelimit_metrics.hpp"
#include "ratelimit_settings.hpp"
#include "role_limits.hpp"
#include "runtime/actor_runtime.hpp"
#include "runtime/signals.hpp"
#include "runtime/stage_main.hpp"
#include "transport/stage_server.hpp"

namespace {

using namespace memgov;

std::string describe_limits(const ratelimit::ratelimit_settings& settings) {
  std::string text = "default=" + std::to_string(settings.default_limit);
  for (const auto& [role, limit] : settings.role_limits) {
    text += " " + role + "=" + std::to_string(limit);
  }
  return text;
}

int run(const config::settings_source& source) {
  log::logger logger("main");
  ratelimit::ratelimit_settings settings = ratelimit::load_ratelimit_settings(source);
  logger.info("starting", {{"window_seconds", std::to_string(settings.window.count())},
                           {"limits", describe_limits(settings)},
                           {"shards", std::to_string(settings.shards)}});

  // Everything the actors use is declared before the runtime's work starts and is only
  // destroyed after await_all_actors_done() below.
  metrics::metrics_server metrics_server(settings.metrics_listen);
  ratelimit::role_limits roles(settings.default_limit, settings.role_limits);
  ratelimit::ratelimit_metrics metrics(metrics_server.registry(), roles.labels(), settings.shards);
  runtime::actor_runtime runtime(2);

  ratelimit::memory_backend_options backend_options;
  backend_options.window = settings.window;
  backend_options.shards = settings.shards;
  backend_options.max_keys = settings.max_keys;
  backend_options.sweep_interval = settings.sweep_interval;
  ratelimit::memory_backend backend(runtime.system(), backend_options,
                                    std::make_shared<ratelimit::steady_time_source>(), metrics);

  transport::stage_server server(
      runtime.system(), {"ratelimit", settings.bind, [&backend] { return backend.ready(); }},
      ratelimit::make_ratelimit_handler(roles, backend, metrics));
  logger.info("ready",
              {{"endpoint", server.bound_endpoint()}, {"metrics", metrics_server.bound_address()}});

  int signal_number = 0;
  while ((signal_number = runtime::wait_for_signal()) == SIGHUP) {
    // TODO: SIGHUP does not reload the role limits yet. Reloading needs the handler to read
    // role_limits through an atomically swapped shared_ptr, replaced here after
    // load_ratelimit_settings() succeeds on a fresh settings_source.
    logger.warning("SIGHUP received; reloading role limits is not supported yet");
  }
  logger.info("stopping", {{"signal", std::to_string(signal_number)}});

  server.stop();
  backend.stop();
  runtime.system().await_all_actors_done();
  logger.info("stopped");
  return 0;
}

}  // namespace

int main() {
  return memgov::runtime::stage_main("ratelimit", run);
}
