// memgov-audit-sink: stores the gateway's audit events in PostgreSQL.
#include <csignal>
#include <memory>

#include <caf/actor_system.hpp>
#include <caf/send.hpp>

#include "audit_handler.hpp"
#include "audit_metrics.hpp"
#include "audit_settings.hpp"
#include "log/logger.hpp"
#include "metrics/metrics_server.hpp"
#include "pg_writer.hpp"
#include "runtime/actor_runtime.hpp"
#include "runtime/signals.hpp"
#include "runtime/stage_main.hpp"
#include "transport/stage_server.hpp"

namespace {

using namespace memgov;

int run(const config::settings_source& source) {
  log::logger logger("main");
  audit::audit_settings settings = audit::load_audit_settings(source);
  logger.info("starting", {{"database_url", audit::redact_database_url(settings.database_url)},
                           {"batch_max", std::to_string(settings.batch_max)},
                           {"queue_max", std::to_string(settings.queue_max)}});

  // The metrics and the shared state outlive every actor: they are destroyed only after
  // await_all_actors_done() below.
  metrics::metrics_server metrics_server(settings.metrics_listen);
  audit::audit_metrics metrics(metrics_server.registry());
  auto shared = std::make_shared<audit::writer_shared>();
  runtime::actor_runtime runtime(2);

  audit::pg_writer_options writer_options;
  writer_options.session.database_url = settings.database_url;
  writer_options.session.statement_timeout = settings.statement_timeout;
  writer_options.session.connect_timeout = settings.connect_timeout;
  writer_options.session.reconnect_min = settings.reconnect_min;
  writer_options.session.reconnect_max = settings.reconnect_max;
  writer_options.session.ping_interval = settings.ping_interval;
  writer_options.batch_max = settings.batch_max;
  writer_options.metrics = &metrics;
  writer_options.shared = shared;
  caf::actor writer = runtime.system().spawn<caf::detached>(audit::run_pg_writer, writer_options);

  transport::stage_server server(
      runtime.system(), {"audit-sink", settings.bind, [shared] { return shared->ready.load(); }},
      audit::make_audit_handler(writer, shared, settings.queue_max, metrics));
  logger.info("ready",
              {{"endpoint", server.bound_endpoint()}, {"metrics", metrics_server.bound_address()}});

  int signal_number = 0;
  while ((signal_number = runtime::wait_for_signal()) == SIGHUP) {
    logger.info("SIGHUP received; the audit sink has nothing to reload");
  }
  logger.info("stopping", {{"signal", std::to_string(signal_number)}});

  server.stop();
  caf::anon_send(writer, audit::stop_atom::value);
  runtime.system().await_all_actors_done();
  logger.info("stopped");
  return 0;
}

}  // namespace

int main() {
  return memgov::runtime::stage_main("audit-sink", run);
}
