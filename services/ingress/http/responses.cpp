#include "http/responses.hpp"

#include <boost/beast/http/field.hpp>

#include "log/logger.hpp"

namespace memgov::ingress::http {
namespace beast_http = boost::beast::http;

std::string error_body(std::string_view error, std::string_view reason,
                       std::string_view request_id) {
  std::string body;
  body.reserve(48 + error.size() + reason.size() + request_id.size());
  body.append("{\"error\":\"");
  log::append_json_escaped(body, error);
  body.append("\",\"reason\":\"");
  log::append_json_escaped(body, reason);
  body.append("\",\"request_id\":\"");
  log::append_json_escaped(body, request_id);
  body.append("\"}");
  return body;
}

response_type json_response(beast_http::status status, std::string body,
                            std::string_view request_id, unsigned version, bool keep_alive) {
  response_type response(status, version);
  response.set(beast_http::field::content_type, "application/json");
  response.set("X-Request-Id", boost::beast::string_view(request_id.data(), request_id.size()));
  response.keep_alive(keep_alive);
  response.body() = std::move(body);
  response.prepare_payload();
  return response;
}

response_type error_response(beast_http::status status, std::string_view error,
                             std::string_view reason, std::string_view request_id, unsigned version,
                             bool keep_alive) {
  return json_response(status, error_body(error, reason, request_id), request_id, version,
                       keep_alive);
}

std::string retry_after_value(std::uint32_t retry_after_seconds) {
  return std::to_string(retry_after_seconds == 0 ? 1 : retry_after_seconds);
}

void set_rate_limit_headers(beast_http::fields& fields, const protocol::ratelimit_reply& reply) {
  fields.set("RateLimit-Limit", std::to_string(reply.limit));
  fields.set("RateLimit-Remaining", std::to_string(reply.remaining));
  fields.set("RateLimit-Reset", std::to_string(reply.reset_seconds));
}

}  // namespace memgov::ingress::http
