#include "request/path.hpp"

#include <string>
#include <vector>

#include <gtest/gtest.h>

namespace memgov::ingress::request {
namespace {

TEST(SplitTarget, SeparatesPathAndQuery) {
  const request_target target = split_target("/memories?user_id=a&x=?");
  EXPECT_EQ(target.error, "");
  EXPECT_EQ(target.path, "/memories");
  EXPECT_EQ(target.query, "user_id=a&x=?");

  const request_target bare = split_target("/search");
  EXPECT_EQ(bare.path, "/search");
  EXPECT_EQ(bare.query, "");
}

TEST(SplitTarget, RejectsBadTargets) {
  struct rejected_case {
    std::string target;
    std::string expected_error;
  };
  const std::vector<rejected_case> cases = {
      {"", "request target is empty"},
      {"memories", "request target must be a path starting with '/'"},
      {"http://127.0.0.1/memories", "request target must be a path starting with '/'"},
      {"*", "request target must be a path starting with '/'"},
      {"/memories#frag", "request target contains a fragment ('#')"},
      {"/memories/a b", "request target contains a byte that is not printable ASCII"},
      {"/memories/\xc3\xa9", "request target contains a byte that is not printable ASCII"},
      {std::string("/memories/a\0b", 13),
       "request target contains a byte that is not printable ASCII"},
      {"/" + std::string(8192, 'a'), "request target is longer than 8192 bytes"},
  };
  for (const auto& c : cases) {
    EXPECT_EQ(split_target(c.target).error, c.expected_error) << "target: " << c.target;
  }
}

TEST(NormalizePath, DecodesOnceAndSplitsSegments) {
  struct accepted_case {
    std::string raw;
    std::string decoded;
    std::vector<std::string> segments;
  };
  const std::vector<accepted_case> cases = {
      {"/", "/", {}},
      {"/memories", "/memories", {"memories"}},
      {"/%6Demories", "/memories", {"memories"}},
      {"/memories/abc-123", "/memories/abc-123", {"memories", "abc-123"}},
      {"/memories/a%2541", "/memories/a%41", {"memories", "a%41"}},
      {"/memories/a+b", "/memories/a+b", {"memories", "a+b"}},
      {"/memories/caf%C3%A9/history",
       "/memories/caf\xc3\xa9/history",
       {"memories", "caf\xc3\xa9", "history"}},
      {"/memories/...", "/memories/...", {"memories", "..."}},
      {"/memories/a%3Fb", "/memories/a?b", {"memories", "a?b"}},
      {"/a/b/c/d/e/f", "/a/b/c/d/e/f", {"a", "b", "c", "d", "e"}},
  };
  for (const auto& c : cases) {
    const normalized_path path = normalize_path(c.raw);
    ASSERT_EQ(path.error, "") << "path: " << c.raw;
    EXPECT_EQ(path.decoded, c.decoded) << "path: " << c.raw;
    const std::size_t stored = std::min(path.segment_count, kKeptSegments);
    ASSERT_EQ(stored, c.segments.size()) << "path: " << c.raw;
    for (std::size_t i = 0; i < stored; ++i) {
      EXPECT_EQ(path.segment(i), c.segments[i]) << "path: " << c.raw << " segment " << i;
    }
  }
  EXPECT_EQ(normalize_path("/a/b/c/d/e/f").segment_count, 6u);
}

TEST(NormalizePath, RejectsAmbiguousPaths) {
  struct rejected_case {
    const char* raw;
    const char* expected_error;
  };
  const std::vector<rejected_case> cases = {
      {"/memories/", "trailing slash in path"},
      {"/memories/abc/", "trailing slash in path"},
      {"//memories", "empty path segment (doubled slash)"},
      {"/memories//abc", "empty path segment (doubled slash)"},
      {"/memories/./abc", "dot-segment in path"},
      {"/memories/../reset", "dot-segment in path"},
      {"/memories/%2e%2e/reset", "dot-segment in path"},
      {"/memories/%2E", "dot-segment in path"},
      {"/memories/.%2e", "dot-segment in path"},
      {"/memories/a%2Fb", "encoded slash (%2F) in path segment"},
      {"/memories/a%2fb/history", "encoded slash (%2F) in path segment"},
      {"/memories/%00", "path contains a control character after percent-decoding"},
      {"/memories/a%0Ab", "path contains a control character after percent-decoding"},
      {"/memories/a%7F", "path contains a control character after percent-decoding"},
      {"/memories/a%C2%85", "path contains a control character after percent-decoding"},
      {"/memories/%zz", "malformed percent-escape in path"},
      {"/memories/%4", "malformed percent-escape in path"},
      {"/memories/abc%", "malformed percent-escape in path"},
      {"/memories/%C0%AF", "path is not valid UTF-8 after percent-decoding"},
      {"/memories/%C0%AE%C0%AE", "path is not valid UTF-8 after percent-decoding"},
      {"/memories/%E0%80%AF", "path is not valid UTF-8 after percent-decoding"},
      {"/memories/%ED%A0%80", "path is not valid UTF-8 after percent-decoding"},
      {"/memories/%FF", "path is not valid UTF-8 after percent-decoding"},
      {"/memories/%C3", "path is not valid UTF-8 after percent-decoding"},
      {"memories", "path must start with '/'"},
  };
  for (const auto& c : cases) {
    EXPECT_EQ(normalize_path(c.raw).error, c.expected_error) << "path: " << c.raw;
  }
}

}  // namespace
}  // namespace memgov::ingress::request
