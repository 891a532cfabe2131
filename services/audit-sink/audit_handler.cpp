#include "audit_handler.hpp"

#include <caf/send.hpp>

#include "event_validation.hpp"
#include "log/logger.hpp"
#include "transport/caf_message_types.hpp"

namespace memgov::audit {

transport::request_handler make_audit_handler(caf::actor writer,
                                              std::shared_ptr<writer_shared> shared,
                                              std::size_t queue_max, audit_metrics& metrics) {
  auto logger = std::make_shared<log::logger>("handler");
  return [writer, shared, queue_max, &metrics, logger](const protocol::decoded_envelope& request,
                                                       transport::responder answer) {
    protocol::message_kind kind = request.header().kind;
    if (kind != protocol::message_kind::audit_event) {
      metrics.count_invalid_request("kind");
      logger->warning_limited("kind", "rejecting a request of a kind this stage does not serve",
                              {{"kind", protocol::to_string(kind)}});
      answer.reply_error(std::string("the audit-sink stage serves only audit_event, not ") +
                         protocol::to_string(kind));
      return;
    }
    auto event = request.body_as<protocol::audit_event>();
    if (!event) {
      metrics.count_invalid_request("body");
      logger->warning_limited("body", "rejecting an audit_event whose body is malformed");
      answer.reply_error("invalid audit_event body: expected the audit_event fields");
      return;
    }

    if (auto problem = validate_event(*event)) {
      metrics.count_failed("invalid");
      logger->warning("rejecting an invalid audit event", {{"event_id", event->event_id},
                                                           {"request_id", event->request_id},
                                                           {"tenant", event->tenant_id},
                                                           {"actor", event->actor_id},
                                                           {"error", *problem}});
      answer.reply(protocol::message_kind::audit_ack,
                   protocol::audit_ack{false, "invalid audit event: " + *problem});
      return;
    }

    if (shared->queued.load(std::memory_order_relaxed) >= queue_max) {
      metrics.count_failed("queue_full");
      logger->warning_limited("queue_full", "audit queue full; rejecting events",
                              {{"queue_max", std::to_string(queue_max)}});
      answer.reply(protocol::message_kind::audit_ack,
                   protocol::audit_ack{false, "audit queue full: " + std::to_string(queue_max) +
                                                  " events are waiting for the database"});
      return;
    }
    shared->queued.fetch_add(1, std::memory_order_relaxed);
    metrics.accepted().Increment();
    metrics.writer_actor().mailbox_depth.Increment();
    caf::anon_send(writer, std::move(*event), std::move(answer));
  };
}

}  // namespace memgov::audit
