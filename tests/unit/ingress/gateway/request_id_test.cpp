#include "http/request_id.hpp"

#include <gtest/gtest.h>

#include <regex>
#include <set>
#include <string>

namespace memgov::ingress::http {
namespace {

TEST(RequestId, AcceptsWellFormedIds) {
  EXPECT_TRUE(is_valid_request_id("a"));
  EXPECT_TRUE(is_valid_request_id("req-1.2_3"));
  EXPECT_TRUE(is_valid_request_id("0af7651916cd43dd8448eb211c80319c"));
  EXPECT_TRUE(is_valid_request_id(std::string(128, 'x')));
}

TEST(RequestId, RejectsMalformedIds) {
  EXPECT_FALSE(is_valid_request_id(""));
  EXPECT_FALSE(is_valid_request_id(std::string(129, 'x')));
  EXPECT_FALSE(is_valid_request_id("has space"));
  EXPECT_FALSE(is_valid_request_id("quote\""));
  EXPECT_FALSE(is_valid_request_id("line\nbreak"));
  EXPECT_FALSE(is_valid_request_id("slash/"));
  EXPECT_FALSE(is_valid_request_id("colon:"));
  EXPECT_FALSE(is_valid_request_id("caf\xc3\xa9"));
}

TEST(RequestId, GeneratedIdsAreUuidVersion4) {
  const std::regex uuid_v4("^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$");
  std::set<std::string> seen;
  for (int i = 0; i < 1000; ++i) {
    std::string id = generate_uuid_v4();
    EXPECT_TRUE(std::regex_match(id, uuid_v4)) << id;
    EXPECT_TRUE(is_valid_request_id(id)) << id;
    seen.insert(id);
  }
  EXPECT_EQ(seen.size(), 1000u);
}

TEST(RequestId, ChooseKeepsValidClientId) {
  EXPECT_EQ(choose_request_id("client-42"), "client-42");
}

TEST(RequestId, ChooseReplacesInvalidClientId) {
  std::string chosen = choose_request_id("bad id");
  EXPECT_NE(chosen, "bad id");
  EXPECT_EQ(chosen.size(), 36u);
  EXPECT_EQ(choose_request_id("").size(), 36u);
}

}  // namespace
}  // namespace memgov::ingress::http
