#include "bench/metrics_probe.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdlib>
#include <sstream>

namespace memgov::audit::bench {
namespace {

// Opens a TCP connection to "host:port" with a 2 s receive timeout; returns -1 on failure.
int connect_to(const std::string& address) {
  std::size_t colon = address.rfind(':');
  if (colon == std::string::npos) {
    return -1;
  }
  sockaddr_in peer{};
  peer.sin_family = AF_INET;
  peer.sin_port = htons(static_cast<std::uint16_t>(std::atoi(address.c_str() + colon + 1)));
  if (inet_pton(AF_INET, address.substr(0, colon).c_str(), &peer.sin_addr) != 1) {
    return -1;
  }

  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) {
    return -1;
  }
  timeval timeout{2, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&peer), sizeof peer) != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

std::optional<std::string> http_get(const std::string& address, const std::string& path) {
  int fd = connect_to(address);
  if (fd < 0) {
    return std::nullopt;
  }
  std::string request = "GET " + path + " HTTP/1.0\r\nHost: " + address + "\r\n\r\n";
  if (::send(fd, request.data(), request.size(), 0) != static_cast<ssize_t>(request.size())) {
    ::close(fd);
    return std::nullopt;
  }

  std::string response;
  char buffer[65536];
  ssize_t got;
  while ((got = ::recv(fd, buffer, sizeof buffer, 0)) > 0) {
    response.append(buffer, static_cast<std::size_t>(got));
  }
  ::close(fd);
  std::size_t body = response.find("\r\n\r\n");
  if (body == std::string::npos) {
    return std::nullopt;
  }
  return response.substr(body + 4);
}

}  // namespace

std::optional<double> read_metric(const std::string& address, const std::string& name) {
  std::optional<std::string> text = http_get(address, "/metrics");
  if (!text) {
    return std::nullopt;
  }
  std::istringstream lines(*text);
  std::string line;
  double sum = 0;
  while (std::getline(lines, line)) {
    if (line.rfind(name, 0) != 0) {
      continue;
    }
    char next = line.size() > name.size() ? line[name.size()] : '\0';
    if (next != ' ' && next != '{') {
      continue;
    }
    std::size_t space = line.rfind(' ');
    sum += std::strtod(line.c_str() + space + 1, nullptr);
  }
  return sum;
}

}  // namespace memgov::audit::bench
