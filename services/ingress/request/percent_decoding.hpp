// Percent-decoding of request-target components (RFC 3986 section 2.1).
#pragma once

#include <string>
#include <string_view>

namespace memgov::ingress::request {

// Whether '+' means a space, as in application/x-www-form-urlencoded query strings, or stays a
// plus sign, as in paths.
enum class plus_sign { literal, space };

// Appends the decoded bytes of `text` to `out`, decoding every %XX escape exactly once (hex digits
// in either case). Returns false when a '%' is not followed by two hex digits ("%zz", a trailing
// "%4"); `out` then holds a partial result. The decoded bytes are not checked for UTF-8.
bool percent_decode(std::string_view text, plus_sign plus, std::string& out);

}  // namespace memgov::ingress::request
