#include "ingress_service.hpp"
#include <chrono>
#include <initializer_list>
#include <thread>
#include <vector>

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

// Bound on how long a starting ingress waits for every stage before it accepts
// connections. Without the wait, a new ingress that shares its port with running
// ones would answer its first requests with 503 while its clients still connect.
constexpr std::chrono::milliseconds kStageWait{2000};

// Waits, at most kStageWait, until every client has a replica that answered a
// ping; a stage still missing then is logged and the ingress starts anyway, so
// /health answers and requests fail fast with 503 until the stage appears.
void wait_for_stages(std::initializer_list<transport::stage_client*> clients,
                     const log::logger& logger) {
  auto deadline = std::chrono::steady_clock::now() + kStageWait;
  for (transport::stage_client* client : clients) {
    while (client->reachable_peers() == 0 && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    if (client->reachable_peers() == 0) {
      logger.warning("starting without a reachable replica of a stage",
                     {{"peer_stage", client->peer_stage()}});
    }
  }
}

// The checks of /ready on the metrics port, the same as those of the gateway's own /ready: each
// stage needs a replica that replied to a ping within the last three ping intervals.
std::vector<metrics::readiness_check> readiness_checks(
    std::initializer_list<const transport::stage_client*> clients) {
  std::vector<metrics::readiness_check> checks;
  for (const transport::stage_client* client : clients) {
    checks.push_back({client->peer_stage(), true, [client] {
                        int reachable = client->reachable_peers();
                        return metrics::check_state{
                            reachable > 0, std::to_string(reachable) + " reachable replicas"};
                      }});
  }
  return checks;
}

}  // namespace

int run_ingress(const config::settings_source& source) {
  log::logger logger("main");
  const ingress_settings settings = load_ingress_settings(source);
  logger.info("starting",
              {{"listen", settings.listen}, {"threads", std::to_string(settings.threads)}});

  metrics::metrics_server metrics_server(settings.metrics_listen);
  ingress_metrics metrics(metrics_server.registry(), settings.tenant_label_limit);

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

  metrics_server.set_readiness_checks("ingress", readiness_checks({&authz, &ratelimit, &audit}));
  wait_for_stages({&authz, &ratelimit, &audit}, logger);
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
  metrics_server.set_readiness_checks("ingress", {});
  authz.stop();
  ratelimit.stop();
  audit.stop();
  logger.info("stopped");
  return 0;
}

}  // namespace memgov::ingress
