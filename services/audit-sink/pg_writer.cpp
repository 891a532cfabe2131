#include "pg_writer.hpp"

#include <chrono>
#include <string>
#include <vector>

#include <caf/all.hpp>
#include <pqxx/except>

#include "audit_metrics.hpp"
#include "audit_row.hpp"
#include "batch_write.hpp"
#include "log/logger.hpp"
#include "transport/caf_message_types.hpp"

namespace memgov::audit {
namespace {

constexpr std::size_t kDeduplicatedStreak = 100;

struct pending_event {
  protocol::audit_event event;
  transport::responder answer;
};

class writer_loop {
 public:
  explicit writer_loop(pg_writer_options options)
      : options_(std::move(options)),
        metrics_(*options_.metrics),
        session_(options_.session, metrics_) {
    batch_.reserve(options_.batch_max);
  }

  void run(caf::blocking_actor* self) {
    session_.maintain();  // Connects and migrates the schema at start.
    publish_health();
    bool running = true;
    while (running) {
      wait_for_first(self, running);
      take_waiting(self, running);
      if (!batch_.empty()) {
        store_batch();
      }
      publish_health();
    }
    // Stopping: the server no longer accepts events, so store the ones still queued.
    bool ignored = true;
    while (true) {
      take_waiting(self, ignored);
      if (batch_.empty()) {
        break;
      }
      store_batch();
    }
    logger_.info("writer stopped");
  }

 private:
  void take(protocol::audit_event& event, transport::responder& answer) {
    options_.shared->queued.fetch_sub(1, std::memory_order_relaxed);
    metrics_.writer_actor().mailbox_depth.Decrement();
    batch_.push_back({std::move(event), std::move(answer)});
  }

  // Blocks until one message arrives or the session has maintenance to do.
  void wait_for_first(caf::blocking_actor* self, bool& running) {
    auto wait = std::chrono::ceil<std::chrono::milliseconds>(session_.time_to_maintenance());
    self->receive(
        [&](protocol::audit_event& event, transport::responder& answer) { take(event, answer); },
        [&](stop_atom) { running = false; }, caf::after(wait) >> [&] { session_.maintain(); });
  }

  // Takes every message already waiting, until the batch is full.
  void take_waiting(caf::blocking_actor* self, bool& running) {
    bool more = true;
    while (more && batch_.size() < options_.batch_max) {
      self->receive(
          [&](protocol::audit_event& event, transport::responder& answer) { take(event, answer); },
          [&](stop_atom) { running = false; },
          caf::after(std::chrono::seconds(0)) >> [&] { more = false; });
    }
  }

  // Stores and acknowledges the batch, then empties it. The actor's processing time is
  // observed once per batch, and every event counts as one message.
  void store_batch() {
    auto started = std::chrono::steady_clock::now();
    auto events = static_cast<double>(batch_.size());
    metrics_.observe_batch_size(events);
    write_and_acknowledge();
    batch_.clear();
    std::chrono::duration<double> spent = std::chrono::steady_clock::now() - started;
    metrics_.writer_actor().messages.Increment(events);
    metrics_.writer_actor().processing_seconds.Observe(spent.count());
  }

  void write_and_acknowledge() {
    pqxx::connection* connection = session_.connection();
    if (connection == nullptr) {
      fail_all("database", "audit database unavailable: " + session_.last_error());
      return;
    }

    std::vector<audit_row> rows;
    rows.reserve(batch_.size());
    for (const pending_event& pending : batch_) {
      rows.push_back(format_row(pending.event));
    }

    write_path first =
        deduplicated_batches_left_ > 0 ? write_path::deduplicated : write_path::direct;
    auto started = std::chrono::steady_clock::now();
    batch_result result;
    try {
      result = write_batch(*connection, rows, first);
    } catch (const pqxx::in_doubt_error& e) {
      metrics_.count_database_error("write");
      session_.mark_failed(e.what());
      fail_all("commit_unknown",
               "audit database commit outcome unknown; resend the event: " + first_line(e.what()));
      return;
    } catch (const std::exception& e) {
      metrics_.count_database_error("write");
      session_.mark_failed(e.what());
      fail_all("database", "audit database unavailable: " + first_line(e.what()));
      return;
    }

    session_.mark_succeeded();
    update_path_preference(first, result.path);
    std::chrono::duration<double> took = std::chrono::steady_clock::now() - started;
    metrics_.observe_batch_seconds(result.path, took.count());
    acknowledge(result);
  }

  // A failed direct COPY costs about as much as the write itself, so after a replay the next
  // kDeduplicatedStreak batches go straight to the deduplicating path. Replays are expected
  // in groups: a client resending after timeouts resends every event it had in flight.
  void update_path_preference(write_path first, write_path taken) {
    if (first == write_path::direct && taken == write_path::deduplicated) {
      deduplicated_batches_left_ = kDeduplicatedStreak;
    } else if (deduplicated_batches_left_ > 0) {
      --deduplicated_batches_left_;
    }
  }

  void acknowledge(const batch_result& result) {
    std::vector<const std::string*> rejected(batch_.size(), nullptr);
    for (const row_failure& failure : result.failures) {
      rejected.at(failure.index) = &failure.reason;
    }
    std::size_t stored = 0;
    for (std::size_t i = 0; i < batch_.size(); ++i) {
      const pending_event& pending = batch_[i];
      if (rejected[i] != nullptr) {
        std::string reason = "audit database rejected the event: " + *rejected[i];
        logger_.warning("audit event rejected by the database",
                        {{"event_id", pending.event.event_id},
                         {"request_id", pending.event.request_id},
                         {"tenant", pending.event.tenant_id},
                         {"actor", pending.event.actor_id},
                         {"error", *rejected[i]}});
        metrics_.count_failed("rejected");
        pending.answer.reply(protocol::message_kind::audit_ack, protocol::audit_ack{false, reason});
        continue;
      }
      // TODO: the ack is durable only once PostgreSQL has committed, so a database outage
      // fails audited requests. A write-ahead log on local disk, replayed into PostgreSQL
      // later, would let the ack be durable as soon as the event is fsynced there.
      pending.answer.reply(protocol::message_kind::audit_ack, protocol::audit_ack{true, ""});
      ++stored;
    }
    metrics_.written().Increment(static_cast<double>(stored));
    if (result.path == write_path::per_row) {
      logger_.warning_limited("per_row", "the database rejected a batch; wrote its rows one by one",
                              {{"events", std::to_string(batch_.size())},
                               {"rejected", std::to_string(result.failures.size())}});
    }
  }

  void fail_all(const std::string& cause, const std::string& reason) {
    logger_.warning_limited("write", "audit batch not stored",
                            {{"events", std::to_string(batch_.size())}, {"error", reason}});
    metrics_.count_failed(cause, static_cast<double>(batch_.size()));
    for (const pending_event& pending : batch_) {
      pending.answer.reply(protocol::message_kind::audit_ack, protocol::audit_ack{false, reason});
    }
  }

  void publish_health() {
    bool healthy = session_.healthy();
    options_.shared->ready.store(healthy, std::memory_order_relaxed);
    metrics_.ready().Set(healthy ? 1 : 0);
  }

  pg_writer_options options_;
  audit_metrics& metrics_;
  pg_session session_;
  log::logger logger_{"pg_writer"};
  std::vector<pending_event> batch_;
  std::size_t deduplicated_batches_left_ = 0;
};

}  // namespace

void run_pg_writer(caf::blocking_actor* self, pg_writer_options options) {
  writer_loop loop(std::move(options));
  loop.run(self);
}

}  // namespace memgov::audit
