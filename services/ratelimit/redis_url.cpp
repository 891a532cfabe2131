#include "redis_url.hpp"

#include <cctype>
#include <stdexcept>

#include "text/hex_digit.hpp"

namespace memgov::ratelimit {
namespace {

using memgov::text::hex_digit_value;

std::string percent_decode(std::string_view text, const char* part) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '%') {
      out.push_back(text[i]);
      continue;
    }
    int high = i + 2 < text.size() ? hex_digit_value(text[i + 1]) : -1;
    int low = i + 2 < text.size() ? hex_digit_value(text[i + 2]) : -1;
    if (high < 0 || low < 0) {
      throw std::invalid_argument(std::string("invalid percent-escape in the ") + part +
                                  " of the Redis URL");
    }
    out.push_back(static_cast<char>(high * 16 + low));
    i += 2;
  }
  return out;
}

// Parses a whole decimal number in min..max; throws naming `what`.
int parse_number(std::string_view text, int min, int max, const char* what) {
  if (text.empty() || text.size() > 9) {
    throw std::invalid_argument(std::string("invalid ") + what + " '" + std::string(text) +
                                "' in the Redis URL");
  }
  int value = 0;
  for (char c : text) {
    if (!std::isdigit(static_cast<unsigned char>(c))) {
      throw std::invalid_argument(std::string("invalid ") + what + " '" + std::string(text) +
                                  "' in the Redis URL");
    }
    value = value * 10 + (c - '0');
  }
  if (value < min || value > max) {
    throw std::invalid_argument(std::string(what) + " " + std::string(text) +
                                " in the Redis URL is outside " + std::to_string(min) + ".." +
                                std::to_string(max));
  }
  return value;
}

}  // namespace

std::string redis_endpoint::redacted() const {
  std::string text = "redis://";
  if (!username.empty() || !password.empty()) {
    text += username;
    if (!password.empty()) {
      text += ":***";
    }
    text += "@";
  }
  bool bracket = host.find(':') != std::string::npos;
  text += bracket ? "[" + host + "]" : host;
  text += ":" + std::to_string(port) + "/" + std::to_string(database);
  return text;
}

redis_endpoint parse_redis_url(std::string_view url) {
  constexpr std::string_view scheme = "redis://";
  if (url.substr(0, 9) == "rediss://") {
    throw std::invalid_argument(
        "rediss:// (TLS) is not supported: the stage is built with hiredis 0.14, which has no "
        "TLS; use redis:// over a trusted network or a TLS tunnel");
  }
  if (url.substr(0, scheme.size()) != scheme) {
    throw std::invalid_argument(
        "a Redis URL must start with redis://, as in "
        "redis://127.0.0.1:6379/0");
  }
  std::string_view rest = url.substr(scheme.size());
  if (rest.find_first_of("?#") != std::string_view::npos) {
    throw std::invalid_argument(
        "query parameters and fragments are not supported in the Redis "
        "URL");
  }

  redis_endpoint endpoint;
  std::size_t slash = rest.find('/');
  std::string_view authority = rest.substr(0, slash);
  if (slash != std::string_view::npos) {
    std::string_view database = rest.substr(slash + 1);
    if (!database.empty()) {
      endpoint.database = parse_number(database, 0, 1000000, "database number");
    }
  }

  std::size_t at = authority.rfind('@');
  if (at != std::string_view::npos) {
    std::string_view user_info = authority.substr(0, at);
    authority = authority.substr(at + 1);
    std::size_t colon = user_info.find(':');
    endpoint.username = percent_decode(user_info.substr(0, colon), "username");
    if (colon != std::string_view::npos) {
      endpoint.password = percent_decode(user_info.substr(colon + 1), "password");
    }
  }

  std::string_view port_text;
  bool has_port = false;
  if (!authority.empty() && authority.front() == '[') {
    std::size_t close = authority.find(']');
    if (close == std::string_view::npos) {
      throw std::invalid_argument("the IPv6 address in the Redis URL is missing its ']'");
    }
    endpoint.host = std::string(authority.substr(1, close - 1));
    std::string_view after = authority.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':') {
        throw std::invalid_argument("expected ':port' after the IPv6 address in the Redis URL");
      }
      port_text = after.substr(1);
      has_port = true;
    }
  } else {
    std::size_t colon = authority.rfind(':');
    endpoint.host = std::string(authority.substr(0, colon));
    if (colon != std::string_view::npos) {
      port_text = authority.substr(colon + 1);
      has_port = true;
    }
  }
  if (endpoint.host.empty()) {
    throw std::invalid_argument("the Redis URL names no host");
  }
  if (has_port) {
    endpoint.port = parse_number(port_text, 1, 65535, "port");
  }
  return endpoint;
}

}  // namespace memgov::ratelimit
