// The input document of one policy evaluation, as OPA receives it.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "protocol/messages.hpp"

namespace memgov::authz {

// Formats milliseconds since the Unix epoch as RFC 3339 in UTC with
// milliseconds, e.g. "2026-12-04T09:30:00.250Z".
std::string format_rfc3339_utc(std::int64_t unix_ms);

// Removes leading and trailing spaces and tabs.
std::string trim_blanks(std::string_view text);

// Builds the input document: the request's facts, the owner of the target as
// resource_tenant and `subjects` with their tenant fields filled. Roles are
// trimmed and passed in their order; empty ones stay, so the policy reports
// them. A time_unix_ms of 0 or less stands for "now".
nlohmann::json build_policy_input(const protocol::authz_request& request,
                                  const std::string& resource_tenant,
                                  const std::vector<protocol::subject_ref>& subjects);

// Serializes {"input": input}. Invalid UTF-8 in a header value is replaced by
// U+FFFD instead of failing the request.
std::string serialize_policy_query(const nlohmann::json& input);

}  // namespace memgov::authz
