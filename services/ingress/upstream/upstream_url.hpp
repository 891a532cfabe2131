// The Mem0 base URL, parsed once at start.
#pragma once

#include <string>

namespace memgov::ingress::upstream {

struct upstream_url {
  std::string host;         // Host name or IPv4 address, without brackets.
  std::string port;         // Decimal port, "80" when the URL names none.
  std::string host_header;  // Value of the Host header sent upstream, e.g. "mem0:8000".
  std::string base_path;  // Path prefix put before every forwarded path; "" or "/x" (no final '/').
};

// Parses "http://host[:port][/base]". Rejects other schemes (https is not supported), user
// info, a query or fragment, and an empty host. Throws std::invalid_argument with the reason.
upstream_url parse_upstream_url(const std::string& text);

}  // namespace memgov::ingress::upstream
