// Filters for the headers that cross the gateway.
//
// Header names are compared case-insensitively with '-' and '_' alike. Servers with a CGI
// heritage expose both X-User-Id and X_User_Id as HTTP_X_USER_ID, so a header stripped under one
// spelling could still arrive under the other.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include <boost/beast/http/fields.hpp>

namespace memgov::ingress::upstream {

// Returns `name` in lower case with every '_' turned into '-'.
std::string canonical_header_name(std::string_view name);

// True for headers that carry the caller's identity or credentials, or describe the client's
// connection (X-User-Id, X-User-Role, X-Tenant-Id, X-Api-Key, Authorization, Cookie,
// Proxy-Authorization, X-Forwarded-*, Forwarded, X-Real-Ip).
bool is_identity_or_credential_header(std::string_view name);

// True for the hop-by-hop headers (Connection, Keep-Alive, TE, Trailer, Transfer-Encoding,
// Upgrade, Proxy-Connection) and for Expect, which the gateway handles itself because it reads
// the whole body before forwarding.
bool is_hop_by_hop_header(std::string_view name);

// Canonical names listed in the Connection headers of `fields`.
std::vector<std::string> connection_tokens(const boost::beast::http::fields& fields);

// Removes from a client request every header that must not reach Mem0: identity and credential
// headers, hop-by-hop headers, headers named by Connection, and Host, X-Request-Id and
// Content-Length (the caller sets them again). A malformed or repeated traceparent goes too,
// with tracestate (see trace_context.hpp).
void strip_request_headers(boost::beast::http::fields& fields);

// Removes from a Mem0 response the hop-by-hop headers, the headers named by Connection, and
// X-Request-Id and Content-Length (the caller sets them again).
void strip_response_headers(boost::beast::http::fields& fields);

}  // namespace memgov::ingress::upstream
