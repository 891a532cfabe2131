#include <gtest/gtest.h>

#include <stdexcept>

#include "redis_url.hpp"

namespace memgov::ratelimit {
namespace {

std::string error_of(const std::string& url) {
  try {
    parse_redis_url(url);
  } catch (const std::invalid_argument& e) {
    return e.what();
  }
  return "";
}

TEST(RedisUrl, ParsesEveryPart) {
  redis_endpoint endpoint = parse_redis_url("redis://limiter:p%40ss@cache.internal:6380/3");
  EXPECT_EQ(endpoint.host, "cache.internal");
  EXPECT_EQ(endpoint.port, 6380);
  EXPECT_EQ(endpoint.database, 3);
  EXPECT_EQ(endpoint.username, "limiter");
  EXPECT_EQ(endpoint.password, "p@ss");
}

TEST(RedisUrl, DefaultsPortAndDatabase) {
  redis_endpoint endpoint = parse_redis_url("redis://127.0.0.1");
  EXPECT_EQ(endpoint.host, "127.0.0.1");
  EXPECT_EQ(endpoint.port, 6379);
  EXPECT_EQ(endpoint.database, 0);
  EXPECT_TRUE(endpoint.username.empty());
  EXPECT_TRUE(endpoint.password.empty());
  EXPECT_EQ(parse_redis_url("redis://127.0.0.1/").database, 0);
}

TEST(RedisUrl, PasswordWithoutUser) {
  redis_endpoint endpoint = parse_redis_url("redis://:secret@127.0.0.1:6379/0");
  EXPECT_TRUE(endpoint.username.empty());
  EXPECT_EQ(endpoint.password, "secret");
}

TEST(RedisUrl, BracketedIpv6) {
  redis_endpoint endpoint = parse_redis_url("redis://[::1]:7000/1");
  EXPECT_EQ(endpoint.host, "::1");
  EXPECT_EQ(endpoint.port, 7000);
  EXPECT_EQ(endpoint.redacted(), "redis://[::1]:7000/1");
}

TEST(RedisUrl, RedactedHidesPassword) {
  EXPECT_EQ(parse_redis_url("redis://limiter:secret@h:1/2").redacted(),
            "redis://limiter:***@h:1/2");
  EXPECT_EQ(parse_redis_url("redis://:secret@h").redacted(), "redis://:***@h:6379/0");
  EXPECT_EQ(parse_redis_url("redis://h").redacted(), "redis://h:6379/0");
}

TEST(RedisUrl, RejectsWithReason) {
  const std::pair<const char*, const char*> cases[] = {
      {"http://127.0.0.1:6379", "must start with redis://"},
      {"rediss://127.0.0.1:6379", "TLS"},
      {"redis://", "names no host"},
      {"redis://:6379", "names no host"},
      {"redis://h:0", "outside 1..65535"},
      {"redis://h:65536", "outside 1..65535"},
      {"redis://h:port", "invalid port"},
      {"redis://h:", "invalid port"},
      {"redis://h/db", "invalid database number"},
      {"redis://h/0?timeout=1", "query parameters"},
      {"redis://[::1:6379", "missing its ']'"},
      {"redis://:bad%zzpw@h", "percent-escape in the password"},
  };
  for (const auto& [url, expected] : cases) {
    std::string error = error_of(url);
    EXPECT_NE(error.find(expected), std::string::npos) << url << " -> '" << error << "'";
  }
}

TEST(RedisUrl, ErrorsNeverContainPassword) {
  std::string error = error_of("redis://:topsecret@h:notaport");
  EXPECT_FALSE(error.empty());
  EXPECT_EQ(error.find("topsecret"), std::string::npos) << error;
}

}  // namespace
}  // namespace memgov::ratelimit
