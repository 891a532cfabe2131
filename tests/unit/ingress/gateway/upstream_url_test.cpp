#include "upstream/upstream_url.hpp"

#include <gtest/gtest.h>

#include <stdexcept>
#include <string>

namespace memgov::ingress::upstream {
namespace {

TEST(UpstreamUrl, HostAndPort) {
  upstream_url url = parse_upstream_url("http://127.0.0.1:8000");
  EXPECT_EQ(url.host, "127.0.0.1");
  EXPECT_EQ(url.port, "8000");
  EXPECT_EQ(url.host_header, "127.0.0.1:8000");
  EXPECT_EQ(url.base_path, "");
}

TEST(UpstreamUrl, DefaultPortIs80) {
  upstream_url url = parse_upstream_url("http://mem0");
  EXPECT_EQ(url.host, "mem0");
  EXPECT_EQ(url.port, "80");
  EXPECT_EQ(url.host_header, "mem0");
}

TEST(UpstreamUrl, BasePathLosesTrailingSlash) {
  EXPECT_EQ(parse_upstream_url("http://mem0:8000/").base_path, "");
  EXPECT_EQ(parse_upstream_url("http://mem0:8000/api/v1/").base_path, "/api/v1");
  EXPECT_EQ(parse_upstream_url("http://mem0:8000/api").base_path, "/api");
}

TEST(UpstreamUrl, SchemeIsCaseInsensitive) {
  EXPECT_EQ(parse_upstream_url("HTTP://mem0:1").host, "mem0");
}

TEST(UpstreamUrl, BracketedIpv6) {
  upstream_url url = parse_upstream_url("http://[::1]:8000/x");
  EXPECT_EQ(url.host, "::1");
  EXPECT_EQ(url.port, "8000");
  EXPECT_EQ(url.host_header, "[::1]:8000");
  EXPECT_EQ(url.base_path, "/x");
}

TEST(UpstreamUrl, RejectsInvalidUrls) {
  const char* invalid[] = {
      "",
      "mem0:8000",
      "https://mem0:8000",
      "ftp://mem0",
      "http://",
      "http://:8000",
      "http://mem0:",
      "http://mem0:0",
      "http://mem0:65536",
      "http://mem0:80x",
      "http://user:pass@mem0:8000",
      "http://mem0:8000/?q=1",
      "http://mem0:8000/#frag",
      "http://me m0:8000",
      "http://[::1",
  };
  for (const char* text : invalid) {
    EXPECT_THROW(parse_upstream_url(text), std::invalid_argument) << text;
  }
}

TEST(UpstreamUrl, ErrorQuotesTheUrl) {
  try {
    parse_upstream_url("https://mem0");
    FAIL() << "expected std::invalid_argument";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("https://mem0"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace memgov::ingress::upstream
