// Parsing of endpoint settings.
//
// A stage's peers are configured as a comma-separated list of
// "tcp://host:port" or "tcp://host:first-last". A port range means "every
// port of it": replicas bind the first free port of the range, and clients
// connect to all of them, so starting another replica needs no change to any
// setting. A host name stands for all of its addresses (see resolve()).
#pragma once

#include <string>
#include <vector>

namespace memgov::transport {

struct host_port_range {
  std::string host;
  int first_port = 0;
  int last_port = 0;
};

// Parses "host:port" or "host:first-last" (no scheme). Throws
// std::invalid_argument with the offending text.
host_port_range parse_host_port_range(const std::string& text);

// Parses one "tcp://host:port[-last]". Throws std::invalid_argument.
host_port_range parse_tcp_endpoint(const std::string& text);

// Parses a comma-separated list of tcp endpoints. Throws std::invalid_argument.
std::vector<host_port_range> parse_endpoint_list(const std::string& text);

// Resolves every host of `ranges` to its IPv4 addresses and expands the port
// ranges into "tcp://address:port" strings, sorted and without duplicates. A
// host that does not resolve is skipped and reported in `errors`.
std::vector<std::string> resolve(const std::vector<host_port_range>& ranges,
                                 std::vector<std::string>* errors);

}  // namespace memgov::transport
