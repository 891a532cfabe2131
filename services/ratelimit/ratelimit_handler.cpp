#include "ratelimit_handler.hpp"

#include <memory>

#include "log/logger.hpp"

namespace memgov::ratelimit {

protocol::ratelimit_reply to_reply(const limit_decision& decision) {
  protocol::ratelimit_reply reply;
  reply.allowed = decision.allowed();
  reply.limit = decision.limit;
  reply.remaining = decision.remaining;
  reply.reset_seconds = decision.reset_seconds;
  reply.retry_after_seconds = decision.retry_after_seconds;
  return reply;
}

transport::request_handler make_ratelimit_handler(const role_limits& roles,
                                                  ratelimit_backend& backend,
                                                  ratelimit_metrics& metrics) {
  auto logger = std::make_shared<log::logger>("handler");
  return [&roles, &backend, &metrics, logger](const protocol::decoded_envelope& request,
                                              transport::responder answer) {
    protocol::message_kind kind = request.header().kind;
    if (kind != protocol::message_kind::ratelimit_check) {
      metrics.count_invalid_request("kind");
      logger->warning_limited("kind", "rejecting a request of a kind this stage does not serve",
                              {{"kind", protocol::to_string(kind)}});
      answer.reply_error(std::string("the ratelimit stage serves only ratelimit_check, not ") +
                         protocol::to_string(kind));
      return;
    }
    auto body = request.body_as<protocol::ratelimit_request>();
    if (!body) {
      metrics.count_invalid_request("body");
      logger->warning_limited("body", "rejecting a ratelimit_check whose body is malformed");
      answer.reply_error("invalid ratelimit_check body: expected ratelimit_request");
      return;
    }

    role_limits::resolved role = roles.resolve(body->role);
    std::string key = make_rate_key(body->tenant, body->actor);
    if (!logger->enabled(log::level::debug)) {
      backend.check(std::move(key), role.limit,
                    [answer, &metrics, label = role.label](const limit_decision& decision) {
                      metrics.count_decision(decision.result, label);
                      answer.reply(protocol::message_kind::ratelimit_result, to_reply(decision));
                    });
      return;
    }
    backend.check(std::move(key), role.limit,
                  [answer, &metrics, logger, label = role.label,
                   request_fields = std::move(*body)](const limit_decision& decision) {
                    metrics.count_decision(decision.result, label);
                    answer.reply(protocol::message_kind::ratelimit_result, to_reply(decision));
                    logger->debug(
                        "rate limit decision",
                        {{"request_id", request_fields.request_id},
                         {"tenant", request_fields.tenant},
                         {"actor", request_fields.actor},
                         {"role", request_fields.role},
                         {"outcome", to_string(decision.result)},
                         {"remaining", std::to_string(decision.remaining)},
                         {"retry_after_seconds", std::to_string(decision.retry_after_seconds)}});
                  });
  };
}

}  // namespace memgov::ratelimit
