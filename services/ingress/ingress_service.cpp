#include "ingress_service.hpp"

#include <csignal>
#include <optional>

#include "ingress_gateway.hpp"
#include "ingress_metrics.hpp"
#include "ingress_settings.hpp"
#include "log/logger.hpp"
#include "metrics/metrics_server.hpp"
#include "runtime/actor_runtime.hpp"
#include "runtime/signals.hpp"
#include "transport/stage_client.hpp"

namespace memgov::ingress {
namespace {

transport::client_options stage_options(const ingress_settings& settings, std::string stage,
                                        std::string endpoints) {
  transport::client_options options;
  options.peer_stage = std::move(stage);
  options.endpoints = std::move(endpoints);
  options.timeout = settings.stage_timeout;
  options.retries = settings.stage_retries;
  return options;
}

}  // namespace

int run_ingress(const config::settings_source& source) {
  log::logger logger("main");
  const ingress_settings settings = load_ingress_settings(source);
  logger.info("starting",
              {{"listen", settings.listen}, {"threads", std::to_string(settings.threads)}});

  metrics::metrics_server metrics_server(settings.metrics_listen);
  ingress_metrics metrics(metrics_server.registry());

  // Declared before the actor system so that it is destroyed after it: the system's destructor
  // waits for the stage clients' threads, which post completions to the gateway.
  std::optional<ingress_gateway> gateway;

  // The stage clients are detached actors with threads of their own; one scheduler thread is
  // enough for the rest of what CAF runs here.
  runtime::actor_runtime runtime(1);
  prometheus::Registry* registry = &metrics_server.registry();
  transport::stage_client authz(
      runtime.system(), stage_options(settings, "authz", settings.authz_endpoints), registry);
  transport::stage_client ratelimit(
      runtime.system(), stage_options(settings, "ratelimit", settings.ratelimit_endpoints),
      registry);
  transport::stage_client audit(
      runtime.system(), stage_options(settings, "audit-sink", settings.audit_endpoints), registry);

  gateway.emplace(settings, stage_clients{&authz, &ratelimit, &audit}, metrics);
  gateway->start();
  auto bound = gateway->local_endpoint();
  logger.info("ready",
              {{"listen", bound.address().to_string() + ":" + std::to_string(bound.port())},
               {"metrics", metrics_server.bound_address()},
               {"mem0", settings.mem0_url.host_header + settings.mem0_url.base_path},
               {"threads", std::to_string(settings.threads)}});

  for (;;) {
    int signal = runtime::wait_for_signal();
    if (signal == SIGHUP) {
      logger.info("SIGHUP received; the ingress has nothing to reload");
      continue;
    }
    logger.info("stopping", {{"signal", std::to_string(signal)}});
    break;
  }
  gateway->stop();
  authz.stop();
  ratelimit.stop();
  audit.stop();
  logger.info("stopped");
  return 0;
}

}  // namespace memgov::ingress
