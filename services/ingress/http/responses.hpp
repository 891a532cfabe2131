// Responses the gateway writes itself: JSON error bodies and rate limit headers.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include <boost/beast/http/message.hpp>
#include <boost/beast/http/status.hpp>
#include <boost/beast/http/string_body.hpp>

#include "protocol/messages.hpp"

namespace memgov::ingress::http {

using request_type = boost::beast::http::request<boost::beast::http::string_body>;
using response_type = boost::beast::http::response<boost::beast::http::string_body>;

// Returns {"error": <error>, "reason": <reason>, "request_id": <request_id>}.
std::string error_body(std::string_view error, std::string_view reason,
                       std::string_view request_id);

// Builds a response with a JSON body, Content-Type application/json and X-Request-Id.
response_type json_response(boost::beast::http::status status, std::string body,
                            std::string_view request_id, unsigned version, bool keep_alive);

// Builds a response whose body is error_body(error, reason, request_id).
response_type error_response(boost::beast::http::status status, std::string_view error,
                             std::string_view reason, std::string_view request_id, unsigned version,
                             bool keep_alive);

// Returns the Retry-After value for a denial: whole seconds, at least 1.
std::string retry_after_value(std::uint32_t retry_after_seconds);

// Sets the RateLimit-Limit, RateLimit-Remaining and RateLimit-Reset headers from a rate limit
// reply.
void set_rate_limit_headers(boost::beast::http::fields& fields,
                            const protocol::ratelimit_reply& reply);

}  // namespace memgov::ingress::http
