// memgov-authz: decides whether a request may proceed, from the owners of
// its subjects (PostgreSQL) and the policy (OPA).
#include <csignal>

#include <caf/all.hpp>

#include "authz_metrics.hpp"
#include "authz_settings.hpp"
#include "decision.hpp"
#include "decision_cache.hpp"
#include "health.hpp"
#include "log/logger.hpp"
#include "metrics/metrics_server.hpp"
#include "opa_client.hpp"
#include "ownership_cache.hpp"
#include "ownership_store.hpp"
#include "runtime/actor_runtime.hpp"
#include "runtime/signals.hpp"
#include "runtime/stage_main.hpp"
#include "transport/stage_server.hpp"

namespace memgov::authz {
namespace {

constexpr std::chrono::milliseconds kProbeInterval{2000};

transport::request_handler make_handler(caf::actor_system& system,
                                        std::shared_ptr<decision_dependencies> dependencies,
                                        ownership_store& store) {
  return [&system, dependencies, &store](const protocol::decoded_envelope& request,
                                         transport::responder answer) {
    switch (request.header().kind) {
      case protocol::message_kind::authz_check: {
        auto body = request.body_as<protocol::authz_request>();
        if (!body) {
          answer.reply_error("authz_check body is not a valid authz_request");
          return;
        }
        start_decision(system, dependencies, std::move(*body), std::move(answer));
        return;
      }
      case protocol::message_kind::ownership_record: {
        auto body = request.body_as<protocol::ownership_record_request>();
        if (!body) {
          answer.reply_error("ownership_record body is not a valid ownership_record_request");
          return;
        }
        store.record(std::move(*body), std::move(answer));
        return;
      }
      case protocol::message_kind::ownership_resolve: {
        auto body = request.body_as<protocol::ownership_resolve_request>();
        if (!body) {
          answer.reply_error("ownership_resolve body is not a valid ownership_resolve_request");
          return;
        }
        store.resolve(std::move(*body), std::move(answer));
        return;
      }
      case protocol::message_kind::ownership_lookup: {
        auto body = request.body_as<protocol::ownership_lookup_request>();
        if (!body) {
          answer.reply_error("ownership_lookup body is not a valid ownership_lookup_request");
          return;
        }
        store.look_up_owners(std::move(*body), std::move(answer));
        return;
      }
      case protocol::message_kind::subject_assign: {
        auto body = request.body_as<protocol::subject_assign_request>();
        if (!body) {
          answer.reply_error("subject_assign body is not a valid subject_assign_request");
          return;
        }
        store.assign(std::move(*body), std::move(answer));
        return;
      }
      case protocol::message_kind::subject_list: {
        auto body = request.body_as<protocol::subject_list_request>();
        if (!body) {
          answer.reply_error("subject_list body is not a valid subject_list_request");
          return;
        }
        store.list(std::move(*body), std::move(answer));
        return;
      }
      default:
        answer.reply_error(std::string("the authz stage does not handle message kind ") +
                           protocol::to_string(request.header().kind));
    }
  };
}

int run(const config::settings_source& source) {
  log::logger logger("main");
  authz_settings settings = load_authz_settings(source);
  logger.info("starting", {{"bind", settings.bind},
                           {"opa_url", settings.opa_url},
                           {"metrics_listen", settings.metrics_listen}});

  runtime::actor_runtime runtime(2);
  caf::actor_system& system = runtime.system();
  // Declared before the metrics endpoint, whose /ready reads them until it stops.
  std::atomic<bool> opa_ready{false};
  std::atomic<bool> database_ready{false};
  metrics::metrics_server metrics_endpoint(settings.metrics_listen);
  authz_metrics metrics(metrics_endpoint.registry());

  ownership_cache cache(settings.owner_cache_entries);
  opa_client opa({settings.opa, settings.opa_timeout, settings.opa_connections}, &metrics,
                 &opa_ready);
  ownership_store store(
      system, {settings.database_url, settings.database_connections, settings.database_timeout},
      cache, metrics, database_ready);

  // A safety net only: every dependency call has its own, shorter timeout.
  // A decision makes at most four policy evaluations and five registry calls.
  decision_cache decisions(settings.decision_cache_ttl, settings.decision_cache_entries);
  auto dependencies = std::make_shared<decision_dependencies>(
      decision_dependencies{cache, store, opa, metrics, decisions,
                            4 * settings.opa_timeout + 5 * settings.database_timeout});
  caf::actor health = start_health_probes(system, store, opa, metrics, kProbeInterval);

  // The health actor refreshes both flags every probe interval, so /ready reads no older state
  // than that.
  auto flag_check = [](std::string name, const std::atomic<bool>& flag) {
    return metrics::readiness_check{std::move(name), true, [&flag] {
                                      return metrics::check_state{flag.load(), ""};
                                    }};
  };
  metrics_endpoint.set_readiness_checks(
      "authz", {flag_check("opa", opa_ready), flag_check("database", database_ready)});

  transport::server_options server_options;
  server_options.stage = "authz";
  server_options.bind = settings.bind;
  server_options.ready_probe = [&opa_ready, &database_ready] {
    return opa_ready.load() && database_ready.load();
  };
  transport::stage_server server(system, server_options, make_handler(system, dependencies, store));
  logger.info("ready", {{"endpoint", server.bound_endpoint()},
                        {"metrics", metrics_endpoint.bound_address()}});

  while (true) {
    int signal = runtime::wait_for_signal();
    if (signal == SIGHUP) {
      logger.info("SIGHUP received; the authz stage has nothing to reload");
      continue;
    }
    logger.info("stopping", {{"signal", std::to_string(signal)}});
    break;
  }

  server.stop();
  caf::anon_send_exit(health, caf::exit_reason::user_shutdown);
  store.stop();
  opa.stop();
  logger.info("stopped");
  return 0;
}

}  // namespace
}  // namespace memgov::authz

int main() {
  return memgov::runtime::stage_main("authz", memgov::authz::run);
}
