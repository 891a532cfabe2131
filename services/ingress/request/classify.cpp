#include "request/classify.hpp"

#include "request/admin_request.hpp"
#include "request/body_identifiers.hpp"
#include "request/identifier.hpp"
#include "request/method_override.hpp"
#include "request/path.hpp"
#include "request/query.hpp"
#include "request/subjects.hpp"

namespace memgov::ingress::request {
namespace {

constexpr identifier_kind kSessionKinds[] = {identifier_kind::user_id, identifier_kind::agent_id,
                                             identifier_kind::run_id};

// Adds the user_id, agent_id and run_id query parameters. Returns the error or "".
std::string add_query_identifiers(const parsed_query& query, subject_list& subjects) {
  for (identifier_kind kind : kSessionKinds) {
    const std::string_view name = kind_name(kind);
    const std::string* value = query.find(name);
    if (value == nullptr) {
      continue;
    }
    if (const char* problem = identifier_problem(*value)) {
      return "query parameter " + std::string(name) + " " + problem;
    }
    subjects.add(kind, *value);  // At most three subjects: never full.
  }
  return {};
}

// Adds the identifiers of the route. Returns the error or "".
std::string add_route_identifiers(route_id route, std::string_view memory_id,
                                  const parsed_query& query, std::string_view body,
                                  subject_list& subjects) {
  switch (route) {
    case route_id::list_memories:
    case route_id::delete_memories:
      return add_query_identifiers(query, subjects);
    case route_id::get_memory:
    case route_id::delete_memory:
    case route_id::memory_history:
    case route_id::update_memory: {
      if (const char* problem = memory_id_problem(memory_id)) {
        return std::string("memory id in the path ") + problem;
      }
      subjects.add(identifier_kind::memory_id, memory_id);
      if (route != route_id::update_memory) {
        return {};
      }
      return scan_body_identifiers(body, body_schema::update_memory, subjects).error;
    }
    case route_id::add_memories: {
      body_scan_result scan = scan_body_identifiers(body, body_schema::add_memories, subjects);
      if (scan.error.empty() && !scan.names_top_level_id) {
        scan.error = "request body names no user_id, agent_id or run_id";
      }
      return std::move(scan.error);
    }
    case route_id::search: {
      body_scan_result scan = scan_body_identifiers(body, body_schema::search, subjects);
      if (scan.error.empty() && subjects.empty()) {
        scan.error = "search names no user_id, agent_id or run_id";
      }
      return std::move(scan.error);
    }
    case route_id::none:
    case route_id::reset:
    case route_id::get_config:
    case route_id::set_config:
    case route_id::assign_subject:
    case route_id::list_subjects:
      return {};
  }
  return {};
}

// Classifies a request of an admin route (see admin_request.hpp) once the route matched.
classified_request& classify_admin(classified_request& result, const route_match& match,
                                   const parsed_query& query, std::string_view body) {
  admin_parse_result parsed = match.route == route_id::assign_subject
                                  ? parse_assign_body(body)
                                  : parse_list_query(match.tenant, query);
  if (!parsed.error.empty()) {
    result.status = request_status::invalid;
    result.reason = std::move(parsed.error);
    return result;
  }
  result.status = request_status::ok;
  result.action = route_action(match.route, false);
  result.admin = std::move(parsed.target);
  result.resource = "tenant:" + result.admin.tenant;
  if (match.route == route_id::assign_subject)
    result.resource += "," + result.admin.kind + ":" + result.admin.id;
  return result;
}

classified_request& reject(classified_request& result, request_status status, std::string reason) {
  result.status = status;
  result.reason = std::move(reason);
  return result;
}

}  // namespace

std::string_view status_name(request_status status) {
  switch (status) {
    case request_status::ok:
      return "ok";
    case request_status::invalid:
      return "invalid";
    case request_status::unknown_route:
      return "unknown_route";
  }
  return "invalid";
}

classified_request classify_request(const request_input& input) {
  classified_request result;
  identity_result identity = parse_identity(input.headers);
  result.identity = std::move(identity.identity);

  // The path is normalized before the identity errors are reported so that the audit row of a
  // request with bad identity headers still carries the path.
  const request_target target = split_target(input.target);
  normalized_path path;
  if (target.error.empty()) {
    path = normalize_path(target.path);
    if (path.error.empty()) {
      result.path = path.decoded;
    }
  }

  if (has_method_override_header(input.headers)) {
    return reject(result, request_status::invalid, "method override is not accepted");
  }
  if (!identity.error.empty()) {
    return reject(result, request_status::invalid, std::move(identity.error));
  }
  if (!target.error.empty()) {
    return reject(result, request_status::invalid, target.error);
  }
  if (!path.error.empty()) {
    return reject(result, request_status::invalid, std::move(path.error));
  }
  parsed_query query = parse_query(target.query);
  if (!query.error.empty()) {
    return reject(result, request_status::invalid, std::move(query.error));
  }
  for (const auto& parameter : query.parameters) {
    if (is_method_override_parameter(parameter.name)) {
      return reject(result, request_status::invalid, "method override is not accepted");
    }
  }

  const route_match match = match_route(input.method, path);
  if (match.route == route_id::none) {
    result.known_path = match.known_path;
    return reject(result, request_status::unknown_route, "unknown route");
  }
  result.route = match.route;
  if (is_admin_route(match.route)) {
    return classify_admin(result, match, query, input.body);
  }

  subject_list subjects;
  std::string error =
      add_route_identifiers(match.route, match.memory_id, query, input.body, subjects);
  if (!error.empty()) {
    return reject(result, request_status::invalid, std::move(error));
  }
  result.status = request_status::ok;
  result.action = route_action(match.route, !subjects.empty());
  result.resource = summarize_resource(subjects.items());
  result.subjects = subjects.release();
  return result;
}

}  // namespace memgov::ingress::request
