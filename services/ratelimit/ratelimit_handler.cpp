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

void send_decision(const transport::responder& answer, const limit_decision& decision) {
  if (decision.result == outcome::store_unavailable) {
    answer.reply_error("rate limit store unavailable: " + decision.error);
    return;
  }
  answer.reply(protocol::message_kind::ratelimit_result, to_reply(decision));
}

transport::request_handler make_ratelimit_handler(const limits_holder& limits,
                                                  ratelimit_backend& backend,
                                                  ratelimit_metrics& metrics) {
  auto logger = std::make_shared<log::logger>("handler");
  return [&limits, &backend, &metrics, logger](const protocol::decoded_envelope& request,
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

    // The counters belong to `metrics`, so they outlive the table across a reload.
    std::shared_ptr<const limit_table> table = limits.current();
    limit_table::resolved resolved = table->resolve(body->tenant, body->role);
    std::string key = make_rate_key(body->tenant, body->actor);
    if (!logger->enabled(log::level::debug)) {
      backend.check(std::move(key), resolved.limit,
                    [answer, counters = resolved.counters](const limit_decision& decision) {
                      if (counters != nullptr) {
                        ratelimit_metrics::count_decision(*counters, decision.result);
                      }
                      send_decision(answer, decision);
                    });
      return;
    }
    backend.check(std::move(key), resolved.limit,
                  [answer, logger, counters = resolved.counters, label = *resolved.label,
                   request_fields = std::move(*body)](const limit_decision& decision) {
                    if (counters != nullptr) {
                      ratelimit_metrics::count_decision(*counters, decision.result);
                    }
                    send_decision(answer, decision);
                    logger->debug(
                        "rate limit decision",
                        {{"request_id", request_fields.request_id},
                         {"tenant", request_fields.tenant},
                         {"actor", request_fields.actor},
                         {"role", request_fields.role},
                         {"limit_label", label},
                         {"outcome", to_string(decision.result)},
                         {"remaining", std::to_string(decision.remaining)},
                         {"retry_after_seconds", std::to_string(decision.retry_after_seconds)},
                         {"error", decision.error}});
                  });
  };
}

}  // namespace memgov::ratelimit
