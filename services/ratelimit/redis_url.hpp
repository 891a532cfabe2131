// Redis server addresses given as URLs: redis://[[username]:password@]host[:port][/database].
#pragma once

#include <string>
#include <string_view>

namespace memgov::ratelimit {

struct redis_endpoint {
  std::string host;  // Name or address; an IPv6 address without its brackets.
  int port = 6379;
  int database = 0;      // SELECTed after connecting when not 0.
  std::string username;  // Redis 6 ACL user; empty means the default user.
  std::string password;  // Sent with AUTH when not empty. Never logged.

  // Returns the URL without the password, for logs: "redis://user:***@host:port/db".
  std::string redacted() const;
};

// Parses a redis:// URL. Percent-escapes are decoded in the username and password. Throws
// std::invalid_argument with the reason; the message never contains the password.
redis_endpoint parse_redis_url(std::string_view url);

}  // namespace memgov::ratelimit
