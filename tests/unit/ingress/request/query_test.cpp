#include "request/query.hpp"

#include <string>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

namespace memgov::ingress::request {
namespace {

using pairs = std::vector<std::pair<std::string, std::string>>;

pairs as_pairs(const parsed_query& query) {
  pairs out;
  for (const auto& parameter : query.parameters) {
    out.emplace_back(parameter.name, parameter.value);
  }
  return out;
}

TEST(ParseQuery, DecodesLikeStarlette) {
  struct accepted_case {
    const char* raw;
    pairs expected;
  };
  const std::vector<accepted_case> cases = {
      {"", {}},
      {"user_id=alice", {{"user_id", "alice"}}},
      {"user_id=al+ice", {{"user_id", "al ice"}}},
      {"user_id=al%20ice%2B", {{"user_id", "al ice+"}}},
      {"user%5Fid=a", {{"user_id", "a"}}},
      {"a=1&&b=2&", {{"a", "1"}, {"b", "2"}}},
      {"flag&x=", {{"flag", ""}, {"x", ""}}},
      {"=v", {{"", "v"}}},
      {"k=a=b", {{"k", "a=b"}}},
      {"k=a;b", {{"k", "a;b"}}},
      {"name=caf%C3%A9", {{"name", "caf\xc3\xa9"}}},
  };
  for (const auto& c : cases) {
    const parsed_query query = parse_query(c.raw);
    EXPECT_EQ(query.error, "") << "query: " << c.raw;
    EXPECT_EQ(as_pairs(query), c.expected) << "query: " << c.raw;
  }
}

TEST(ParseQuery, FindsParameters) {
  const parsed_query query = parse_query("user_id=a&top_k=5");
  ASSERT_NE(query.find("top_k"), nullptr);
  EXPECT_EQ(*query.find("top_k"), "5");
  EXPECT_EQ(query.find("agent_id"), nullptr);
}

TEST(ParseQuery, RejectsAmbiguousQueries) {
  struct rejected_case {
    std::string raw;
    std::string expected_error;
  };
  std::string too_many;
  for (int i = 0; i <= 64; ++i) {
    too_many += "p" + std::to_string(i) + "=1&";
  }
  const std::vector<rejected_case> cases = {
      {"user_id=a&user_id=b", "query parameter user_id is repeated"},
      {"user_id=a&user%5Fid=b", "query parameter user_id is repeated"},
      {"flag&flag=1", "query parameter flag is repeated"},
      {"user_id=%zz", "malformed percent-escape in query string"},
      {"user_id=a%4", "malformed percent-escape in query string"},
      {"us%g0er_id=a", "malformed percent-escape in query string"},
      {"user_id=%C0%AF", "query string is not valid UTF-8 after percent-decoding"},
      {"user_id=%FF", "query string is not valid UTF-8 after percent-decoding"},
      {too_many, "query string has more than 64 parameters"},
  };
  for (const auto& c : cases) {
    EXPECT_EQ(parse_query(c.raw).error, c.expected_error) << "query: " << c.raw;
  }
}

TEST(ParseQuery, QuotesRepeatedNameSafely) {
  const parsed_query query = parse_query("%01x=1&%01x=2");
  EXPECT_EQ(query.error, "query parameter ?x is repeated");
}

}  // namespace
}  // namespace memgov::ingress::request
