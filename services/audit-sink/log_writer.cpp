#include "log_writer.hpp"

#include <algorithm>
#include <chrono>
#include <string>
#include <vector>

#include <caf/all.hpp>

#include "audit_metrics.hpp"
#include "log/logger.hpp"
#include "sink_messages.hpp"
#include "wal/wal_format.hpp"

namespace memgov::audit {
namespace {

class writer_loop {
 public:
  explicit writer_loop(log_writer_options options)
      : options_(std::move(options)),
        log_(*options_.log),
        metrics_(*options_.metrics),
        state_(*options_.state) {
    group_.reserve(options_.group_max);
  }

  void run(caf::blocking_actor* self) {
    bool running = true;
    while (running) {
      wait_for_first(self, running);
      take_waiting(self, running);
      if (!group_.empty()) {
        write_group();
      }
    }
    // Stopping: the server accepts no more records, so write the ones still queued.
    bool ignored = true;
    while (true) {
      take_waiting(self, ignored);
      if (group_.empty()) {
        break;
      }
      write_group();
    }
    logger_.info("log writer stopped", {{"sequence", std::to_string(log_.position().sequence)}});
  }

 private:
  void take(log_request& request) {
    state_.queued.fetch_sub(1, std::memory_order_relaxed);
    metrics_.writer_actor().mailbox_depth.Decrement();
    group_.push_back(std::move(request));
  }

  void wait_for_first(caf::blocking_actor* self, bool& running) {
    self->receive([&](log_request& request) { take(request); },
                  [&](stop_atom) { running = false; });
  }

  // Takes every request already waiting, until the group is full.
  void take_waiting(caf::blocking_actor* self, bool& running) {
    bool more = true;
    while (more && group_.size() < options_.group_max) {
      self->receive([&](log_request& request) { take(request); },
                    [&](stop_atom) { running = false; },
                    caf::after(std::chrono::seconds(0)) >> [&] { more = false; });
    }
  }

  void write_group() {
    auto started = std::chrono::steady_clock::now();
    auto records = static_cast<double>(group_.size());
    write_and_acknowledge();
    group_.clear();
    std::chrono::duration<double> spent = std::chrono::steady_clock::now() - started;
    metrics_.writer_actor().messages.Increment(records);
    metrics_.writer_actor().processing_seconds.Observe(spent.count());
  }

  void write_and_acknowledge() {
    if (log_.needs_rotation() && !rotate()) {
      return;
    }
    // Link every record that fits the budget onto a copy of the chain position; the log
    // adopts the copy only once the records are durable.
    chain_position position = log_.position();
    buffer_.clear();
    accepted_.clear();
    std::uint64_t projected = state_.disk_bytes.load(std::memory_order_relaxed);
    bool rejected = false;
    for (std::size_t i = 0; i < group_.size(); ++i) {
      log_request& request = group_[i];
      chain_position trial = position;
      linked_record linked =
          link_record(trial, log_.sink_id(), request.kind, std::move(request.canonical_prefix));
      std::size_t size = wal_record_size(linked);
      if (projected + size > state_.budget_bytes) {
        reject_over_budget(request, projected);
        rejected = true;
        continue;
      }
      append_wal_record(buffer_, linked);
      projected += size;
      position = trial;
      accepted_.push_back(i);
    }
    if (accepted_.empty()) {
      note_budget(rejected);
      return;
    }

    auto started = std::chrono::steady_clock::now();
    try {
      log_.append(buffer_, position);
    } catch (const std::exception& e) {
      fail_accepted(e.what());
      return;
    }
    std::chrono::duration<double> took = std::chrono::steady_clock::now() - started;
    metrics_.observe_sync_seconds(took.count());
    metrics_.observe_group_size(static_cast<double>(accepted_.size()));

    state_.set_segment_size(log_.current_segment(), log_.current_size());
    state_.last_sequence.store(position.sequence, std::memory_order_relaxed);
    state_.log_healthy.store(true, std::memory_order_relaxed);
    note_budget(rejected);
    metrics_.chain_sequence().Set(static_cast<double>(position.sequence));
    // Set here too, before the acknowledgements, so that the gauge never reads 0 while
    // acknowledged records wait for the drainer.
    std::uint64_t drained = state_.drained_sequence.load(std::memory_order_relaxed);
    metrics_.backlog_events().Set(
        static_cast<double>(position.sequence > drained ? position.sequence - drained : 0));
    metrics_.disk_bytes().Set(static_cast<double>(state_.disk_bytes.load()));
    for (std::size_t index : accepted_) {
      const log_request& request = group_[index];
      request.answer.reply(protocol::message_kind::audit_ack, protocol::audit_ack{true, ""});
      metrics_.acknowledged(request.kind).Increment();
    }
    if (state_.drainer_waiting.exchange(false)) {
      caf::anon_send(options_.drainer, wake_atom::value);
    }
  }

  bool rotate() {
    try {
      std::uint64_t size = log_.rotate();
      state_.set_segment_size(log_.current_segment(), size);
      logger_.info("started a new audit log segment",
                   {{"segment", std::to_string(log_.current_segment())},
                    {"first_sequence", std::to_string(log_.position().sequence + 1)}});
      return true;
    } catch (const std::exception& e) {
      metrics_.count_log_error("write");
      state_.log_healthy.store(false, std::memory_order_relaxed);
      std::string reason = std::string("audit log write failed: ") + e.what();
      logger_.error("cannot start a new audit log segment",
                    {{"directory", log_.directory().string()}, {"error", e.what()}});
      metrics_.count_failed("log_write", static_cast<double>(group_.size()));
      for (const log_request& request : group_) {
        request.answer.reply(protocol::message_kind::audit_ack, protocol::audit_ack{false, reason});
      }
      return false;
    }
  }

  // Records for /ready whether the group had a record that did not fit the budget.
  void note_budget(bool rejected) {
    std::uint64_t used = state_.disk_bytes.load(std::memory_order_relaxed);
    state_.budget_full_at.store(rejected ? std::max<std::uint64_t>(used, 1) : 0,
                                std::memory_order_relaxed);
  }

  void reject_over_budget(const log_request& request, std::uint64_t projected) {
    metrics_.count_failed("budget");
    logger_.warning_limited("budget", "audit log disk budget exhausted; rejecting records",
                            {{"request_id", request.request_id},
                             {"disk_bytes", std::to_string(projected)},
                             {"budget_bytes", std::to_string(state_.budget_bytes)}});
    request.answer.reply(protocol::message_kind::audit_ack,
                         protocol::audit_ack{false, budget_reason(projected)});
  }

  std::string budget_reason(std::uint64_t projected) const {
    return "audit log disk budget exhausted: " + std::to_string(projected) + " of " +
           std::to_string(state_.budget_bytes) +
           " bytes hold records PostgreSQL has not stored yet";
  }

  void fail_accepted(const std::string& error) {
    metrics_.count_log_error("write");
    metrics_.count_failed("log_write", static_cast<double>(accepted_.size()));
    state_.log_healthy.store(false, std::memory_order_relaxed);
    logger_.error("audit log write failed; records acknowledged as not durable",
                  {{"directory", log_.directory().string()},
                   {"records", std::to_string(accepted_.size())},
                   {"error", error}});
    std::string reason = "audit log write failed: " + error;
    for (std::size_t index : accepted_) {
      group_[index].answer.reply(protocol::message_kind::audit_ack,
                                 protocol::audit_ack{false, reason});
    }
  }

  log_writer_options options_;
  wal_log& log_;
  audit_metrics& metrics_;
  sink_state& state_;
  log::logger logger_{"log_writer"};
  std::vector<log_request> group_;
  std::vector<std::size_t> accepted_;
  std::string buffer_;
};

}  // namespace

void run_log_writer(caf::blocking_actor* self, log_writer_options options) {
  writer_loop loop(std::move(options));
  loop.run(self);
}

}  // namespace memgov::audit
