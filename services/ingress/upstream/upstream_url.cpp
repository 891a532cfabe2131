#include "upstream/upstream_url.hpp"

#include <algorithm>
#include <stdexcept>

namespace memgov::ingress::upstream {
namespace {

bool is_digits(const std::string& text) {
  return !text.empty() &&
         std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; });
}

bool is_host_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
         c == '-' || c == '_';
}

}  // namespace

upstream_url parse_upstream_url(const std::string& text) {
  const std::string scheme = "http://";
  if (text.size() < scheme.size() ||
      !std::equal(scheme.begin(), scheme.end(), text.begin(), [](char a, char b) {
        return a == std::tolower(static_cast<unsigned char>(b));
      })) {
    throw std::invalid_argument("'" + text + "' is not an http:// URL (https is not supported)");
  }
  std::string rest = text.substr(scheme.size());
  if (rest.find_first_of("?#") != std::string::npos)
    throw std::invalid_argument("'" + text + "' has a query or fragment");

  std::size_t slash = rest.find('/');
  std::string authority = rest.substr(0, slash);
  std::string path = slash == std::string::npos ? "" : rest.substr(slash);
  if (authority.find('@') != std::string::npos)
    throw std::invalid_argument("'" + text + "' has user info; put the key in mem0_api_key");

  upstream_url url;
  std::string port_text;
  bool has_port = false;
  if (!authority.empty() && authority.front() == '[') {
    std::size_t close = authority.find(']');
    if (close == std::string::npos)
      throw std::invalid_argument("'" + text + "' has an unterminated IPv6 address");
    url.host = authority.substr(1, close - 1);
    std::string after = authority.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':')
        throw std::invalid_argument("'" + text + "' has text after the IPv6 address");
      has_port = true;
      port_text = after.substr(1);
    }
  } else {
    std::size_t colon = authority.rfind(':');
    url.host = authority.substr(0, colon);
    if (colon != std::string::npos) {
      has_port = true;
      port_text = authority.substr(colon + 1);
    }
    if (!std::all_of(url.host.begin(), url.host.end(), is_host_char))
      throw std::invalid_argument("'" + text + "' has an invalid host '" + url.host + "'");
  }
  if (url.host.empty())
    throw std::invalid_argument("'" + text + "' names no host");

  if (!has_port) {
    url.port = "80";
  } else if (!is_digits(port_text) || port_text.size() > 5 || std::stoi(port_text) < 1 ||
             std::stoi(port_text) > 65535) {
    throw std::invalid_argument("'" + text + "' has an invalid port '" + port_text + "'");
  } else {
    url.port = port_text;
  }
  url.host_header = authority;

  while (!path.empty() && path.back() == '/')
    path.pop_back();
  url.base_path = path;
  return url;
}

}  // namespace memgov::ingress::upstream
