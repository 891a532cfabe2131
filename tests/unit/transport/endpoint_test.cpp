#include "transport/endpoint.hpp"

#include <gtest/gtest.h>

#include <stdexcept>

namespace memgov::transport {
namespace {

TEST(Endpoint, ParsesSinglePortAndRange) {
  auto single = parse_tcp_endpoint("tcp://127.0.0.1:7100");
  EXPECT_EQ(single.host, "127.0.0.1");
  EXPECT_EQ(single.first_port, 7100);
  EXPECT_EQ(single.last_port, 7100);

  auto range = parse_tcp_endpoint("tcp://authz:7100-7107");
  EXPECT_EQ(range.host, "authz");
  EXPECT_EQ(range.first_port, 7100);
  EXPECT_EQ(range.last_port, 7107);
}

TEST(Endpoint, RejectsMalformedEndpoints) {
  const char* cases[] = {"127.0.0.1:7100",    "tcp://127.0.0.1",   "tcp://h:0",
                         "tcp://h:70000",     "tcp://h:7107-7100", "tcp://h:abc",
                         "tcp://h:7000-7999", "tcp://:7100"};
  for (const char* text : cases) {
    EXPECT_THROW(parse_tcp_endpoint(text), std::invalid_argument) << text;
  }
}

TEST(Endpoint, ListSplitsOnCommas) {
  auto list = parse_endpoint_list("tcp://a:1, tcp://b:2-3");
  ASSERT_EQ(list.size(), 2u);
  EXPECT_EQ(list[1].host, "b");
  EXPECT_THROW(parse_endpoint_list(" , "), std::invalid_argument);
}

TEST(Endpoint, ResolveExpandsRangesOnce) {
  std::vector<std::string> errors;
  auto endpoints =
      resolve(parse_endpoint_list("tcp://127.0.0.1:7100-7102,tcp://127.0.0.1:7101"), &errors);
  EXPECT_TRUE(errors.empty());
  ASSERT_EQ(endpoints.size(), 3u);
  EXPECT_EQ(endpoints[0], "tcp://127.0.0.1:7100");
  EXPECT_EQ(endpoints[2], "tcp://127.0.0.1:7102");
}

TEST(Endpoint, UnresolvableHostIsReported) {
  std::vector<std::string> errors;
  auto endpoints = resolve(parse_endpoint_list("tcp://no-such-host.invalid:7100"), &errors);
  EXPECT_TRUE(endpoints.empty());
  EXPECT_EQ(errors.size(), 1u);
}

}  // namespace
}  // namespace memgov::transport
