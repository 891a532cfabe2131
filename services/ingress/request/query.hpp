// Parsing of the query string the way Starlette reads it, with stricter checks.
//
// Starlette splits on '&', skips empty pieces, splits each piece at the first '=' (a piece
// without one has an empty value), turns '+' into a space and percent-decodes names and values.
// The gateway rejects what Starlette tolerates. Starlette keeps the last of repeated parameters,
// leaves malformed escapes as they are and replaces invalid UTF-8 with U+FFFD. Each of these
// could make Mem0 act on a value other than the one the gateway checked.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace memgov::ingress::request {

// Maximum number of parameters in one query string.
inline constexpr std::size_t kMaxQueryParameters = 64;

struct query_parameter {
  std::string name;   // Decoded.
  std::string value;  // Decoded; empty for "name" and "name=".
};

struct parsed_query {
  std::string error;                        // Empty on success, else the reason for a 400.
  std::vector<query_parameter> parameters;  // In the order sent; names are unique.

  // Returns the value of the parameter called `name`, or nullptr when it is absent.
  const std::string* find(std::string_view name) const;
};

// Parses a raw query string (without the '?'). Rejected: a malformed escape, a name or value that
// is not UTF-8 after decoding, a name that occurs twice (also when spelled differently, as in
// "user_id" and "user%5Fid") and more than kMaxQueryParameters parameters.
parsed_query parse_query(std::string_view raw_query);

}  // namespace memgov::ingress::request
