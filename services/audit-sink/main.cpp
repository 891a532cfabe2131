// memgov-audit-sink: makes the gateway's audit records durable in a local write-ahead log and
// copies them into PostgreSQL.
#include <csignal>
#include <memory>

#include <caf/actor_system.hpp>
#include <caf/send.hpp>

#include "audit_handler.hpp"
#include "audit_metrics.hpp"
#include "audit_settings.hpp"
#include "log/logger.hpp"
#include "log_writer.hpp"
#include "metrics/metrics_server.hpp"
#include "pg_drainer.hpp"
#include "runtime/actor_runtime.hpp"
#include "runtime/signals.hpp"
#include "runtime/stage_main.hpp"
#include "sink_messages.hpp"
#include "transport/stage_server.hpp"
#include "wal/wal_log.hpp"

namespace {

using namespace memgov;

audit::pg_drainer_options drainer_options(const audit::audit_settings& settings,
                                          const std::filesystem::path& directory,
                                          audit::audit_metrics& metrics,
                                          std::shared_ptr<audit::sink_state> state) {
  audit::pg_drainer_options options;
  options.directory = directory;
  options.session.database_url = settings.database_url;
  options.session.statement_timeout = settings.statement_timeout;
  options.session.connect_timeout = settings.connect_timeout;
  options.session.reconnect_min = settings.reconnect_min;
  options.session.reconnect_max = settings.reconnect_max;
  options.session.ping_interval = settings.ping_interval;
  options.batch_max = settings.batch_max;
  options.drain_delay = settings.drain_delay;
  options.checkpoint_interval = settings.checkpoint_interval;
  options.partition_check_interval = settings.partition_check_interval;
  options.metrics = &metrics;
  options.state = std::move(state);
  return options;
}

std::shared_ptr<audit::wal_log> open_log(const std::filesystem::path& directory,
                                         const audit::audit_settings& settings, int slot) {
  log::logger logger("main");
  audit::wal_recovery recovery;
  std::shared_ptr<audit::wal_log> log = audit::wal_log::open(directory, settings.wal_segment_bytes,
                                                             audit::make_sink_id(slot), recovery);
  if (recovery.discarded_bytes > 0) {
    logger.warning("discarded the torn end of the audit log left by a crash",
                   {{"directory", directory.string()},
                    {"bytes", std::to_string(recovery.discarded_bytes)},
                    {"reason", recovery.discarded_reason}});
  }
  logger.info(recovery.created ? "created the audit log" : "opened the audit log",
              {{"directory", directory.string()},
               {"sink_id", log->sink_id()},
               {"segments", std::to_string(log->segments_at_open().size())},
               {"sequence", std::to_string(log->position().sequence)}});
  return log;
}

// The checks of /ready. PostgreSQL is shown but not required: while it is down the sink keeps
// accepting records into its log, until the log reaches its disk budget.
std::vector<metrics::readiness_check> readiness_checks(std::shared_ptr<audit::sink_state> state) {
  return {
      {"wal", true,
       [state] {
         bool writable = state->started.load() && state->log_healthy.load();
         return metrics::check_state{writable, writable ? "" : "the last log write failed"};
       }},
      {"disk_budget", true,
       [state] {
         std::uint64_t used = state->disk_bytes.load();
         std::uint64_t full_at = state->budget_full_at.load();
         bool full = used >= state->budget_bytes || (full_at != 0 && used >= full_at);
         std::string detail =
             std::to_string(used) + " of " + std::to_string(state->budget_bytes) + " bytes used";
         if (full) {
           detail += ", too full for the next record";
         }
         return metrics::check_state{!full, detail};
       }},
      {"database", false,
       [state] {
         std::uint64_t last = state->last_sequence.load();
         std::uint64_t drained = state->drained_sequence.load();
         std::uint64_t backlog = last > drained ? last - drained : 0;
         return metrics::check_state{
             state->database_up.load(),
             std::to_string(backlog) + " records in the log not yet in PostgreSQL"};
       }},
  };
}

int run(const config::settings_source& source) {
  log::logger logger("main");
  audit::audit_settings settings = audit::load_audit_settings(source);
  logger.info("starting", {{"database_url", audit::redact_database_url(settings.database_url)},
                           {"wal_dir", settings.wal_dir},
                           {"wal_budget_bytes", std::to_string(settings.wal_budget_bytes)},
                           {"batch_max", std::to_string(settings.batch_max)}});

  // The metrics and the shared state outlive every actor: they are destroyed only after
  // await_all_actors_done() below.
  metrics::metrics_server metrics_server(settings.metrics_listen);
  audit::audit_metrics metrics(metrics_server.registry());
  metrics.budget_bytes().Set(static_cast<double>(settings.wal_budget_bytes));
  auto state = std::make_shared<audit::sink_state>(settings.wal_budget_bytes);
  runtime::actor_runtime runtime(2);

  // The log directory depends on the bound port, so the server starts first. Until the actors
  // run, it acknowledges records with durable=false ("starting") and its pongs report not
  // ready.
  transport::stage_server server(
      runtime.system(),
      {"audit-sink", settings.bind,
       [state] { return state->started.load() && state->log_healthy.load(); }},
      audit::make_audit_handler(state, settings.queue_max, metrics));
  std::filesystem::path directory = audit::slot_directory(settings.wal_dir, server.slot());
  std::shared_ptr<audit::wal_log> log = open_log(directory, settings, server.slot());
  for (const auto& [segment, size] : log->segments_at_open()) {
    state->set_segment_size(segment, size);
  }
  state->last_sequence.store(log->position().sequence);
  state->log_healthy.store(true);
  metrics.chain_sequence().Set(static_cast<double>(log->position().sequence));

  caf::actor drainer = runtime.system().spawn<caf::detached>(
      audit::run_pg_drainer, drainer_options(settings, directory, metrics, state));
  audit::log_writer_options writer_options;
  writer_options.log = log;
  writer_options.group_max = settings.group_max;
  writer_options.metrics = &metrics;
  writer_options.state = state;
  writer_options.drainer = drainer;
  state->writer = runtime.system().spawn<caf::detached>(audit::run_log_writer, writer_options);
  state->started.store(true, std::memory_order_release);
  metrics_server.set_readiness_checks("audit-sink", readiness_checks(state));
  logger.info("ready", {{"endpoint", server.bound_endpoint()},
                        {"metrics", metrics_server.bound_address()},
                        {"sink_id", log->sink_id()},
                        {"wal", directory.string()}});

  int signal_number = 0;
  while ((signal_number = runtime::wait_for_signal()) == SIGHUP) {
    logger.info("SIGHUP received; the audit sink has nothing to reload");
  }
  logger.info("stopping", {{"signal", std::to_string(signal_number)}});

  metrics_server.set_readiness_checks("audit-sink", {});
  server.stop();
  caf::anon_send(state->writer, audit::stop_atom::value);
  caf::anon_send(drainer, audit::stop_atom::value);
  runtime.system().await_all_actors_done();
  logger.info("stopped");
  return 0;
}

}  // namespace

int main() {
  return memgov::runtime::stage_main("audit-sink", run);
}
