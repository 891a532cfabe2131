#include "audit_handler.hpp"

#include <caf/send.hpp>

#include "event_validation.hpp"
#include "log/logger.hpp"
#include "record/canonical.hpp"
#include "record/record_format.hpp"
#include "sink_messages.hpp"

namespace memgov::audit {
namespace {

struct handler_context {
  handler_context(std::shared_ptr<sink_state> state, std::size_t queue_max, audit_metrics& metrics)
      : state(std::move(state)), queue_max(queue_max), metrics(metrics) {}

  std::shared_ptr<sink_state> state;
  std::size_t queue_max;
  audit_metrics& metrics;
  log::logger logger{"handler"};
};

void reply_not_durable(const transport::responder& answer, const std::string& reason) {
  answer.reply(protocol::message_kind::audit_ack, protocol::audit_ack{false, reason});
}

// Checks what does not depend on the record's content; returns false after replying.
bool admit(handler_context& context, const transport::responder& answer,
           const std::string& request_id) {
  sink_state& state = *context.state;
  if (!state.started.load(std::memory_order_acquire)) {
    context.metrics.count_failed("starting");
    reply_not_durable(answer, "audit sink is starting; its log is not open yet");
    return false;
  }
  if (state.queued.load(std::memory_order_relaxed) >= context.queue_max) {
    context.metrics.count_failed("queue_full");
    context.logger.warning_limited(
        "queue_full", "audit queue full; rejecting records",
        {{"queue_max", std::to_string(context.queue_max)}, {"request_id", request_id}});
    reply_not_durable(answer, "audit queue full: " + std::to_string(context.queue_max) +
                                  " records are waiting for the log writer");
    return false;
  }
  std::uint64_t used = state.disk_bytes.load(std::memory_order_relaxed);
  if (used >= state.budget_bytes) {
    context.metrics.count_failed("budget");
    context.logger.warning_limited("budget", "audit log disk budget exhausted; rejecting records",
                                   {{"disk_bytes", std::to_string(used)},
                                    {"budget_bytes", std::to_string(state.budget_bytes)},
                                    {"request_id", request_id}});
    reply_not_durable(answer, "audit log disk budget exhausted: " + std::to_string(used) + " of " +
                                  std::to_string(state.budget_bytes) +
                                  " bytes hold records PostgreSQL has not stored yet");
    return false;
  }
  return true;
}

void send_to_writer(handler_context& context, record_kind kind, std::string canonical_prefix,
                    std::string request_id, transport::responder answer) {
  sink_state& state = *context.state;
  state.queued.fetch_add(1, std::memory_order_relaxed);
  context.metrics.accepted(kind).Increment();
  context.metrics.writer_actor().mailbox_depth.Increment();
  caf::anon_send(state.writer, log_request{kind, std::move(canonical_prefix), std::move(request_id),
                                           std::move(answer)});
}

void handle_event(handler_context& context, const protocol::decoded_envelope& request,
                  transport::responder answer) {
  auto event = request.body_as<protocol::audit_event>();
  if (!event) {
    context.metrics.count_invalid_request("body");
    context.logger.warning_limited("body", "rejecting an audit_event whose body is malformed");
    answer.reply_error("invalid audit_event body: expected the audit_event fields");
    return;
  }
  if (auto problem = validate_event(*event)) {
    context.metrics.count_failed("invalid");
    context.logger.warning("rejecting an invalid audit event", {{"event_id", event->event_id},
                                                                {"request_id", event->request_id},
                                                                {"tenant", event->tenant_id},
                                                                {"actor", event->actor_id},
                                                                {"error", *problem}});
    reply_not_durable(answer, "invalid audit event: " + *problem);
    return;
  }
  if (admit(context, answer, event->request_id)) {
    send_to_writer(context, record_kind::event, encode_canonical_prefix(*event), event->request_id,
                   std::move(answer));
  }
}

void handle_outcome(handler_context& context, const protocol::decoded_envelope& request,
                    transport::responder answer) {
  auto outcome = request.body_as<protocol::audit_outcome>();
  if (!outcome) {
    context.metrics.count_invalid_request("body");
    context.logger.warning_limited("body", "rejecting an audit_outcome whose body is malformed");
    answer.reply_error("invalid audit_outcome body: expected the audit_outcome fields");
    return;
  }
  if (auto problem = validate_outcome(*outcome)) {
    context.metrics.count_failed("invalid");
    context.logger.warning("rejecting an invalid audit outcome",
                           {{"event_id", outcome->event_id},
                            {"request_id", outcome->request_id},
                            {"error", *problem}});
    reply_not_durable(answer, "invalid audit outcome: " + *problem);
    return;
  }
  if (admit(context, answer, outcome->request_id)) {
    send_to_writer(context, record_kind::outcome, encode_canonical_prefix(*outcome, unix_now_us()),
                   outcome->request_id, std::move(answer));
  }
}

}  // namespace

transport::request_handler make_audit_handler(std::shared_ptr<sink_state> state,
                                              std::size_t queue_max, audit_metrics& metrics) {
  auto context = std::make_shared<handler_context>(std::move(state), queue_max, metrics);
  return [context](const protocol::decoded_envelope& request, transport::responder answer) {
    protocol::message_kind kind = request.header().kind;
    if (kind == protocol::message_kind::audit_event) {
      handle_event(*context, request, std::move(answer));
      return;
    }
    if (kind == protocol::message_kind::audit_outcome) {
      handle_outcome(*context, request, std::move(answer));
      return;
    }
    context->metrics.count_invalid_request("kind");
    context->logger.warning_limited("kind",
                                    "rejecting a request of a kind this stage does not serve",
                                    {{"kind", protocol::to_string(kind)}});
    answer.reply_error(std::string("the audit-sink stage serves only audit_event and "
                                   "audit_outcome, not ") +
                       protocol::to_string(kind));
  };
}

}  // namespace memgov::audit
