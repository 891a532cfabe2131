// Turning a client request into the request sent to Mem0, and Mem0's response into the one sent
// back to the client.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>

#include "upstream/upstream_url.hpp"

namespace memgov::ingress::upstream {

// Percent-encodes a decoded path so that one round of percent-decoding (as uvicorn does) gives it
// back unchanged: every byte other than the RFC 3986 unreserved characters, the sub-delimiters,
// ':', '@' and '/' becomes %XX.
std::string encode_path(std::string_view decoded_path);

// Returns the target sent upstream: base path, encoded path, and "?" + the raw query when the
// client's target had a '?'.
std::string upstream_target(std::string_view base_path, std::string_view decoded_path,
                            std::string_view client_target);

struct forward_headers {
  std::string_view host;                      // Host header of the upstream.
  const std::optional<std::string>* api_key;  // X-API-Key to send, if any.
  std::string_view request_id;
};

// Rewrites `request` in place for Mem0: strips the client's identity, credential and hop-by-hop
// headers (see header_filter.hpp), sets the target, Host, X-API-Key, X-Request-Id and
// Content-Length, and requests a keep-alive HTTP/1.1 exchange. The body is left untouched.
void prepare_upstream_request(boost::beast::http::request<boost::beast::http::string_body>& request,
                              std::string target, const forward_headers& headers);

// Rewrites Mem0's response in place for the client: drops the hop-by-hop headers, sets
// X-Request-Id, the HTTP version and keep-alive of the client's connection, and Content-Length.
// Status, body, Content-Type and other headers are relayed as Mem0 sent them.
void prepare_client_response(
    boost::beast::http::response<boost::beast::http::string_body>& response,
    std::string_view request_id, unsigned client_version, bool client_keep_alive);

}  // namespace memgov::ingress::upstream
