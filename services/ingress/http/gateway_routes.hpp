// The gateway's own routes: GET /health and GET /ready. They never reach Mem0.
#pragma once

#include <optional>
#include <string_view>

#include "gateway_context.hpp"
#include "http/responses.hpp"

namespace memgov::ingress::http {

// Returns the route label ("/health" or "/ready") when `target` names one of the gateway's own
// routes, whatever the method and query; nullopt otherwise.
std::optional<std::string_view> gateway_route(std::string_view target);

// Builds the response to a request for a gateway route. /health returns 200 {"status":"ok"} without
// asking any stage. /ready returns 200 when every stage has at least one replica that answered a
// recent ping, else 503 naming the stages without one. Other methods than GET answer 405.
response_type answer_gateway_route(std::string_view route, const request_type& request,
                                   const gateway_context& context, std::string_view request_id);

}  // namespace memgov::ingress::http
