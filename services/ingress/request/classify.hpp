// Classification of one ingress request: who sends it, which Mem0 route, which action, on what.
//
// This is the request model of the ingress. It is pure: no I/O, no clock, no global state, so it
// runs on the HTTP event loop. Input is what the HTTP parser produced; output tells the ingress
// whether to reject the request (400 or 403) or to ask the rate limit and authz stages about it.
//
// Typical use, after Beast has read the whole request:
//
//   std::vector<request::header_field> fields = ...;  // see header_field.hpp
//   request::request_input input{method, target, fields, body};
//   request::classified_request c = request::classify_request(input);
//   switch (c.status) {
//     case request::request_status::invalid:        // 400 invalid_request, c.reason
//     case request::request_status::unknown_route:  // 403 denied, c.reason == "unknown route"
//     case request::request_status::ok:             // authz_request from c.identity, c.action,
//                                                   // c.path, c.resource, c.subjects
//   }
//
// The gateway forwards the original target and body bytes to Mem0 unchanged. Everything that
// could make Mem0 read them differently from this model is rejected as invalid instead.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "protocol/messages.hpp"
#include "request/admin_request.hpp"
#include "request/header_field.hpp"
#include "request/identity.hpp"
#include "request/routes.hpp"

namespace memgov::ingress::request {

enum class request_status : std::uint8_t {
  ok,             // Ready for the rate limit and authz stages.
  invalid,        // Malformed or ambiguous: respond with 400 and `reason`.
  unknown_route,  // Well-formed but not a route the gateway exposes: deny.
};

// Returns "ok", "invalid" or "unknown_route".
std::string_view status_name(request_status status);

struct request_input {
  std::string_view method;  // As received, e.g. "GET". Methods are case-sensitive.
  std::string_view target;  // Raw request target, e.g. "/memories?user_id=a%40b".
  header_list headers;      // Every header line, in the order received.
  std::string_view body;    // The complete body; empty when there is none.
};

struct classified_request {
  request_status status = request_status::invalid;
  std::string reason;  // Empty when ok; "unknown route" for unknown_route.
  // The caller, from the identity headers. Filled in (as far as the headers passed their checks)
  // whatever the status, for the audit row.
  caller_identity identity;
  route_id route = route_id::none;
  // For unknown_route: the path is a route's path and only the method is wrong, should the
  // ingress want to tell 405 from 404.
  bool known_path = false;
  // "read", "write", "delete", "admin", "subjects.assign" or "subjects.list" (static storage);
  // empty unless ok.
  std::string_view action;
  // The percent-decoded path that Starlette routes on. Set whenever the path passed
  // normalization, even if a later check failed; empty otherwise.
  std::string path;
  // Audit summary of the target: "user_id:alice", "memory:<id>", "user_id:a,agent_id:b", or "*"
  // for admin actions, "tenant:<tenant>[,<kind>:<id>]" for the admin routes. Empty unless ok.
  std::string resource;
  // Every distinct identifier the request names (wildcards as id "*"), tenant left empty.
  // Never empty for read, write and delete; always empty for admin and the admin routes. Empty
  // unless ok.
  std::vector<protocol::subject_ref> subjects;
  // Target of an admin route (assign_subject, list_subjects) when ok.
  admin_target admin;
};

// Classifies a request. The checks run in this order, and the first failure decides the status
// and reason:
//  1. a method-override header (X-HTTP-Method-Override, X-HTTP-Method, X-Method-Override);
//  2. the identity headers (see parse_identity);
//  3. the request target and path (see split_target and normalize_path);
//  4. the query string (see parse_query), and a "_method" parameter in it;
//  5. the route (see match_route): no match is unknown_route;
//  6. the identifiers of the route: user_id, agent_id and run_id from the query of GET and
//     DELETE /memories, {id} from the path, and the JSON body of POST /memories, POST /search
//     and PUT /memories/{id} (see scan_body_identifiers). A POST /memories body must name a
//     top-level id, and a search must name at least one id, as Mem0 requires.
//     The admin routes read their body or query instead (see admin_request.hpp).
// Query parameters other than those three, and bodies of other routes, are not inspected.
classified_request classify_request(const request_input& input);

}  // namespace memgov::ingress::request
