#include "http/gateway_routes.hpp"

#include <string>
#include <vector>

#include <boost/beast/http/field.hpp>

#include "log/logger.hpp"

namespace memgov::ingress::http {
namespace beast_http = boost::beast::http;

std::optional<std::string_view> gateway_route(std::string_view target) {
  std::string_view path = target.substr(0, target.find('?'));
  if (path == "/health")
    return std::string_view("/health");
  if (path == "/ready")
    return std::string_view("/ready");
  return std::nullopt;
}

namespace {

response_type answer_ready(const request_type& request, const gateway_context& context,
                           std::string_view request_id) {
  const transport::stage_client* stages[] = {context.authz, context.ratelimit, context.audit};
  std::string stages_json = "{";
  std::vector<std::string> missing;
  for (const transport::stage_client* stage : stages) {
    int reachable = stage->reachable_peers();
    if (stages_json.size() > 1)
      stages_json += ",";
    stages_json += "\"";
    log::append_json_escaped(stages_json, stage->peer_stage());
    stages_json += "\":{\"reachable_peers\":" + std::to_string(reachable) + "}";
    if (reachable <= 0)
      missing.push_back(stage->peer_stage());
  }
  stages_json += "}";

  if (missing.empty()) {
    return json_response(beast_http::status::ok,
                         "{\"status\":\"ready\",\"stages\":" + stages_json + "}", request_id,
                         request.version(), request.keep_alive());
  }
  std::string reason = "no replica answers a ping for:";
  std::string missing_json = "[";
  for (std::size_t i = 0; i < missing.size(); ++i) {
    reason += (i == 0 ? " " : ", ") + missing[i];
    missing_json += (i == 0 ? "\"" : ",\"") + missing[i] + "\"";
  }
  missing_json += "]";
  std::string body = "{\"status\":\"not_ready\",\"error\":\"not_ready\",\"reason\":\"";
  log::append_json_escaped(body, reason);
  body += "\",\"request_id\":\"";
  log::append_json_escaped(body, request_id);
  body += "\",\"missing\":" + missing_json + ",\"stages\":" + stages_json + "}";
  return json_response(beast_http::status::service_unavailable, std::move(body), request_id,
                       request.version(), request.keep_alive());
}

}  // namespace

response_type answer_gateway_route(std::string_view route, const request_type& request,
                                   const gateway_context& context, std::string_view request_id) {
  if (request.method() != beast_http::verb::get) {
    response_type response =
        error_response(beast_http::status::method_not_allowed, "method_not_allowed",
                       std::string(route) + " accepts only GET", request_id, request.version(),
                       request.keep_alive());
    response.set(beast_http::field::allow, "GET");
    return response;
  }
  if (route == "/health") {
    return json_response(beast_http::status::ok, "{\"status\":\"ok\"}", request_id,
                         request.version(), request.keep_alive());
  }
  return answer_ready(request, context, request_id);
}

}  // namespace memgov::ingress::http
