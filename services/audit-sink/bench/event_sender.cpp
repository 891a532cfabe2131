#include "bench/event_sender.hpp"

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <thread>

#include "bench/sample_events.hpp"
#include "protocol/envelope.hpp"
#include "transport/stage_client.hpp"

namespace memgov::audit::bench {
namespace {

using clock = std::chrono::steady_clock;

// Limits the events in flight. A sender blocked on a full window is woken once an eighth of
// it is free again, not on every acknowledgement, so that the bench does not spend a thread
// wake-up per event.
class send_window {
 public:
  explicit send_window(std::size_t limit)
      : limit_(std::max<std::size_t>(limit, 1)), resume_at_(limit_ - limit_ / 8 - 1) {}

  void acquire() {
    std::unique_lock<std::mutex> lock(mutex_);
    if (open_ >= limit_) {
      ++waiting_;
      changed_.wait(lock, [&] { return open_ <= resume_at_; });
      --waiting_;
    }
    ++open_;
  }

  void release() {
    bool wake = false;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      --open_;
      wake = waiting_ > 0 && (open_ == resume_at_ || open_ == 0);
    }
    if (wake) {
      changed_.notify_all();
    }
  }

  void wait_empty() {
    std::unique_lock<std::mutex> lock(mutex_);
    ++waiting_;
    changed_.wait(lock, [&] { return open_ == 0; });
    --waiting_;
  }

 private:
  std::mutex mutex_;
  std::condition_variable changed_;
  std::size_t limit_;
  std::size_t resume_at_;
  std::size_t open_ = 0;
  std::size_t waiting_ = 0;
};

void record_ack(sent_event& event, const transport::call_result& result) {
  if (result.status != transport::call_status::ok || !result.reply) {
    event.reason = std::string(transport::to_string(result.status)) + ": " + result.error;
    return;
  }
  if (result.reply->header().kind != protocol::message_kind::audit_ack) {
    auto error = result.reply->body_as<protocol::error_reply>();
    event.reason = "error reply: " + (error ? error->reason : std::string("unreadable"));
    return;
  }
  auto ack = result.reply->body_as<protocol::audit_ack>();
  if (!ack) {
    event.reason = "unreadable audit_ack";
    return;
  }
  event.durable = ack->durable;
  event.reason = ack->reason;
}

}  // namespace

double percentile(std::vector<double> values, double p) {
  if (values.empty()) {
    return 0;
  }
  std::sort(values.begin(), values.end());
  auto rank = static_cast<std::size_t>(p / 100.0 * static_cast<double>(values.size() - 1) + 0.5);
  return values[std::min(rank, values.size() - 1)];
}

send_report send_events(caf::actor_system& system, const send_options& options) {
  transport::client_options client_options;
  client_options.peer_stage = "audit-sink";
  client_options.endpoints = options.endpoints;
  client_options.timeout = options.timeout;
  client_options.retries = options.retries;
  client_options.max_in_flight = std::max<std::size_t>(options.in_flight * 2, 1024);
  transport::stage_client client(system, client_options, nullptr);
  auto deadline = clock::now() + std::chrono::seconds(10);
  while (client.reachable_peers() == 0) {
    if (clock::now() > deadline) {
      throw std::runtime_error("no audit sink replied to pings at " + options.endpoints);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }

  send_report report;
  std::uint64_t count = options.replay.empty() ? options.count : options.replay.size();
  report.events.resize(count);
  send_window window(options.in_flight);
  std::atomic<std::uint64_t> outcomes_durable{0};
  auto started = clock::now();
  for (std::uint64_t i = 0; i < count; ++i) {
    if (options.rate > 0) {
      std::this_thread::sleep_until(
          started + std::chrono::duration_cast<clock::duration>(
                        std::chrono::duration<double>(static_cast<double>(i) / options.rate)));
    }
    protocol::audit_event event = sample_event(options.run_id, i);
    if (!options.replay.empty()) {
      event.event_id = options.replay[i].event_id;
      event.timestamp_unix_us = options.replay[i].timestamp_unix_us;
      event.request_id = options.replay[i].request_id;
    }
    sent_event* slot = &report.events[i];
    slot->request_id = event.request_id;
    slot->event_id = event.event_id;
    slot->timestamp_unix_us = event.timestamp_unix_us;
    std::shared_ptr<protocol::audit_outcome> outcome;
    if (options.with_outcomes) {
      outcome = std::make_shared<protocol::audit_outcome>();
      outcome->event_id = event.event_id;
      outcome->timestamp_unix_us = event.timestamp_unix_us;
      outcome->request_id = event.request_id;
      outcome->status_code = event.status_code;
      outcome->upstream_status = event.status_code;
      outcome->upstream_latency_ms = 1.0;
      outcome->latency_ms = event.latency_ms + 1.0;
    }
    window.acquire();
    auto sent_at = clock::now();
    client.call(protocol::message_kind::audit_event, event,
                [&, slot, sent_at, outcome](transport::call_result result) {
                  slot->latency_ms =
                      std::chrono::duration<double, std::milli>(clock::now() - sent_at).count();
                  record_ack(*slot, result);
                  if (!slot->durable || !outcome) {
                    window.release();
                    return;
                  }
                  client.call(protocol::message_kind::audit_outcome, *outcome,
                              [&](transport::call_result outcome_result) {
                                sent_event answer;
                                record_ack(answer, outcome_result);
                                if (answer.durable) {
                                  outcomes_durable.fetch_add(1);
                                }
                                window.release();
                              });
                });
  }
  window.wait_empty();
  report.seconds = std::chrono::duration<double>(clock::now() - started).count();
  for (const sent_event& event : report.events) {
    report.durable += event.durable ? 1 : 0;
  }
  report.outcomes_durable = outcomes_durable.load();
  client.stop();
  return report;
}

}  // namespace memgov::audit::bench
