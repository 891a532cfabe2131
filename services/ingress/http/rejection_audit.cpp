#include "http/rejection_audit.hpp"

#include <utility>

#include "http/request_id.hpp"
#include "log/logger.hpp"
#include "pipeline/stage_replies.hpp"
#include "protocol/messages.hpp"
#include "request/identity.hpp"

namespace memgov::ingress::http {
namespace {

const log::logger& audit_logger() {
  static const log::logger logger("http");
  return logger;
}

std::string join_roles(const std::vector<std::string>& roles) {
  std::string joined;
  for (const auto& role : roles) {
    if (!joined.empty())
      joined += ',';
    joined += role;
  }
  return joined;
}

constexpr std::string_view kDecision = "invalid_request";

}  // namespace

void audit_rejection(const worker_context& context, const rejected_request& rejected,
                     request::header_list headers, std::function<void()> done) {
  // parse_identity keeps every identity field that passed its checks, even when another failed.
  const request::caller_identity identity = request::parse_identity(headers).identity;
  protocol::audit_event event;
  event.event_id = generate_uuid_v4();
  event.timestamp_unix_us = rejected.received_unix_us;
  event.request_id = rejected.request_id;
  event.tenant_id = identity.tenant;
  event.actor_id = identity.actor;
  event.actor_role = join_roles(identity.roles);
  event.decision = std::string(kDecision);
  event.reason = rejected.reason;
  event.method = rejected.method;
  event.path = rejected.path;
  event.status_code = rejected.status_code;
  event.latency_ms = rejected.latency_ms;
  event.source_ip = rejected.source_ip;

  const gateway_context* shared = context.shared;
  auto on_ack = [shared, request_id = rejected.request_id,
                 done = std::move(done)](transport::call_result result) {
    auto outcome =
        pipeline::decode_reply<protocol::audit_ack>(result, protocol::message_kind::audit_ack);
    if (!outcome.reply || !outcome.reply->durable) {
      shared->metrics->audit_failure(kDecision).Increment();
      audit_logger().warning_limited(
          "audit:rejected", "audit event of a rejected request was not stored",
          {{"request_id", request_id},
           {"peer_stage", shared->audit->peer_stage()},
           {"error",
            outcome.reply ? "event not stored: " + outcome.reply->reason : outcome.error}});
    }
    done();
  };
  shared->audit->call(protocol::message_kind::audit_event, pipeline::pack_to_string(event),
                      pipeline::run_on(*context.io, std::move(on_ack)));
}

}  // namespace memgov::ingress::http
