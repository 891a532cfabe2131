#include "transport/endpoint.hpp"

#include <arpa/inet.h>
#include <netdb.h>
#include <sys/socket.h>

#include <algorithm>
#include <set>
#include <stdexcept>

namespace memgov::transport {
namespace {

// Largest port range accepted: each port becomes one connected socket.
constexpr int kMaxRangeSize = 64;

int parse_port(const std::string& text, const std::string& whole) {
  if (text.empty() || text.size() > 5 ||
      !std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    throw std::invalid_argument("'" + whole + "': port '" + text + "' is not a number");
  }
  int port = std::stoi(text);
  if (port < 1 || port > 65535) {
    throw std::invalid_argument("'" + whole + "': port " + text + " is outside 1..65535");
  }
  return port;
}

std::string trim(const std::string& text) {
  auto begin = text.find_first_not_of(" \t");
  if (begin == std::string::npos)
    return "";
  auto end = text.find_last_not_of(" \t");
  return text.substr(begin, end - begin + 1);
}

}  // namespace

host_port_range parse_host_port_range(const std::string& text) {
  auto colon = text.rfind(':');
  if (colon == std::string::npos || colon == 0) {
    throw std::invalid_argument("'" + text + "' is not host:port or host:first-last");
  }
  host_port_range range;
  range.host = text.substr(0, colon);
  std::string ports = text.substr(colon + 1);
  auto dash = ports.find('-');
  if (dash == std::string::npos) {
    range.first_port = range.last_port = parse_port(ports, text);
  } else {
    range.first_port = parse_port(ports.substr(0, dash), text);
    range.last_port = parse_port(ports.substr(dash + 1), text);
  }
  if (range.last_port < range.first_port) {
    throw std::invalid_argument("'" + text + "': port range ends before it starts");
  }
  if (range.last_port - range.first_port + 1 > kMaxRangeSize) {
    throw std::invalid_argument("'" + text + "': port range is larger than " +
                                std::to_string(kMaxRangeSize) + " ports");
  }
  return range;
}

host_port_range parse_tcp_endpoint(const std::string& text) {
  const std::string scheme = "tcp://";
  if (text.compare(0, scheme.size(), scheme) != 0) {
    throw std::invalid_argument("'" + text + "' does not start with tcp://");
  }
  return parse_host_port_range(text.substr(scheme.size()));
}

std::vector<host_port_range> parse_endpoint_list(const std::string& text) {
  std::vector<host_port_range> out;
  std::size_t start = 0;
  while (start <= text.size()) {
    auto comma = text.find(',', start);
    std::string item =
        trim(text.substr(start, comma == std::string::npos ? std::string::npos : comma - start));
    if (!item.empty()) {
      out.push_back(parse_tcp_endpoint(item));
    }
    if (comma == std::string::npos)
      break;
    start = comma + 1;
  }
  if (out.empty()) {
    throw std::invalid_argument("endpoint list '" + text + "' is empty");
  }
  return out;
}

std::vector<std::string> resolve(const std::vector<host_port_range>& ranges,
                                 std::vector<std::string>* errors) {
  std::set<std::string> endpoints;
  for (const auto& range : ranges) {
    addrinfo hints{};
    hints.ai_family = AF_INET;
    hints.ai_socktype = SOCK_STREAM;
    addrinfo* found = nullptr;
    int status = ::getaddrinfo(range.host.c_str(), nullptr, &hints, &found);
    if (status != 0) {
      if (errors != nullptr) {
        errors->push_back("cannot resolve '" + range.host + "': " + gai_strerror(status));
      }
      continue;
    }
    for (addrinfo* entry = found; entry != nullptr; entry = entry->ai_next) {
      char address[INET_ADDRSTRLEN] = {};
      auto* ipv4 = reinterpret_cast<sockaddr_in*>(entry->ai_addr);
      ::inet_ntop(AF_INET, &ipv4->sin_addr, address, sizeof(address));
      for (int port = range.first_port; port <= range.last_port; ++port) {
        endpoints.insert("tcp://" + std::string(address) + ":" + std::to_string(port));
      }
    }
    ::freeaddrinfo(found);
  }
  return {endpoints.begin(), endpoints.end()};
}

}  // namespace memgov::transport
