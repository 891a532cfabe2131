// The gateway's admin routes on the ownership registry, which the ingress serves through the
// authz stage instead of forwarding them to Mem0:
//
//   POST /admin/v1/subjects                  {"tenant": ..., "kind": ..., "id": ...}
//   GET  /admin/v1/tenants/{tenant}/subjects ?kind=&limit=&cursor=
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "request/query.hpp"

namespace memgov::ingress::request {

// Rows of one subject list page when the query sets no limit, and the largest limit accepted.
inline constexpr std::uint32_t kDefaultSubjectPage = 100;
inline constexpr std::uint32_t kMaxSubjectPage = 1000;

// The target of an admin request.
struct admin_target {
  std::string tenant;  // Tenant that receives the subject (assign) or whose subjects are listed.
  std::string kind;    // Assign: the subject's kind. List: the kind filter, or "" for all.
  std::string id;      // Assign: the subject's id. List: unused.
  // List: the page starts after this (kind, id), decoded from the cursor; empty for page one.
  std::string after_kind;
  std::string after_id;
  std::uint32_t limit = kDefaultSubjectPage;  // List: rows per page.
};

struct admin_parse_result {
  std::string error;  // Empty on success, else the reason for a 400.
  admin_target target;
};

// Returns `name` checked as a tenant name, with the rules of the X-Tenant-Id header: 1 to 256
// bytes of letters, digits and - _ . : @. Returns "" when valid, else a phrase completing
// "<where> ...".
std::string tenant_name_problem(std::string_view name);

// Parses the body of POST /admin/v1/subjects: one JSON object with exactly the string members
// "tenant", "kind" (user_id, agent_id or run_id) and "id" (see identifier_problem; not "*").
// It also rejects malformed JSON, invalid UTF-8, a repeated or unknown key, and a member that is
// not a string.
admin_parse_result parse_assign_body(std::string_view body);

// Parses the query of GET /admin/v1/tenants/{tenant}/subjects. Accepted parameters: kind
// (user_id, agent_id or run_id), limit (1 to kMaxSubjectPage) and cursor (the next_cursor of the
// previous page, "<kind>:<id>"). Any other parameter is rejected.
admin_parse_result parse_list_query(std::string_view tenant, const parsed_query& query);

// Returns the cursor that parse_list_query reads back as the position after (kind, id).
std::string subject_cursor(std::string_view kind, std::string_view id);

}  // namespace memgov::ingress::request
