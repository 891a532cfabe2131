#include "request/identifier.hpp"

#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "request/subjects.hpp"
#include "request/utf8.hpp"

namespace memgov::ingress::request {
namespace {

TEST(IdentifierProblem, AcceptsOrdinaryIds) {
  const std::vector<std::string> ids = {"alice",       "3f1c2d7e-0000-4000-8000-000000000000",
                                        "caf\xc3\xa9", "\xf0\x9f\x98\x80",
                                        "*",           std::string(256, 'x'),
                                        "a;b",         "a%41"};
  for (const auto& id : ids) {
    EXPECT_EQ(identifier_problem(id), nullptr) << "id: " << id;
  }
}

TEST(IdentifierProblem, RejectsBadIds) {
  struct rejected_case {
    std::string id;
    std::string expected;
  };
  const std::vector<rejected_case> cases = {
      {"", "is empty"},
      {std::string(257, 'x'), "is longer than 256 bytes"},
      {std::string("a\0b", 3), "contains a control character"},
      {"a\x1b", "contains a control character"},
      {"a\x7f", "contains a control character"},
      {"a\xc2\x9f", "contains a control character"},
      {" alice", "contains whitespace"},
      {"alice ", "contains whitespace"},
      {"al\tice", "contains whitespace"},
      {"al\nice", "contains whitespace"},
      {"al\xc2\xa0ice", "contains whitespace"},
      {"al\xe3\x80\x80ice", "contains whitespace"},
      {"al\xe2\x80\xa8ice", "contains whitespace"},
      {"\xc0\xaf", "is not valid UTF-8"},
      {"\xe0\x80\xaf", "is not valid UTF-8"},
      {"\xf0\x80\x80\xaf", "is not valid UTF-8"},
      {"\xed\xa0\x80", "is not valid UTF-8"},
      {"\xf4\x90\x80\x80", "is not valid UTF-8"},
      {"\x80", "is not valid UTF-8"},
      {"\xc3", "is not valid UTF-8"},
      {"\xff", "is not valid UTF-8"},
  };
  for (const auto& c : cases) {
    const char* problem = identifier_problem(c.id);
    ASSERT_NE(problem, nullptr) << "id bytes: " << excerpt_for_reason(c.id);
    EXPECT_EQ(std::string(problem), c.expected) << "id bytes: " << excerpt_for_reason(c.id);
  }
}

TEST(ExcerptForReason, ReplacesAndCuts) {
  EXPECT_EQ(excerpt_for_reason("user_id"), "user_id");
  EXPECT_EQ(excerpt_for_reason("a\x01\xc3\xa9"), "a???");
  EXPECT_EQ(excerpt_for_reason(std::string(70, 'k')), std::string(64, 'k') + "...");
}

TEST(DecodeUtf8, DecodesEachLength) {
  const std::string text = "a\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80";
  std::size_t pos = 0;
  char32_t code_point = 0;
  const std::vector<char32_t> expected = {0x61, 0xE9, 0x20AC, 0x1F600};
  for (char32_t want : expected) {
    ASSERT_TRUE(decode_utf8(text, pos, code_point));
    EXPECT_EQ(code_point, want);
  }
  EXPECT_EQ(pos, text.size());
  EXPECT_FALSE(decode_utf8(text, pos, code_point)) << "nothing left to decode";
}

TEST(SubjectList, DeduplicatesAndBounds) {
  subject_list subjects;
  EXPECT_TRUE(subjects.add(identifier_kind::user_id, "a"));
  EXPECT_TRUE(subjects.add(identifier_kind::user_id, "a"));
  EXPECT_TRUE(subjects.add(identifier_kind::agent_id, "a"));
  EXPECT_EQ(subjects.size(), 2u);
  for (std::size_t i = subjects.size(); i < kMaxSubjects; ++i) {
    ASSERT_TRUE(subjects.add(identifier_kind::run_id, std::to_string(i)));
  }
  EXPECT_FALSE(subjects.add(identifier_kind::run_id, "one more"));
  EXPECT_TRUE(subjects.add(identifier_kind::user_id, "a")) << "a repeat never overflows";
  EXPECT_EQ(subjects.size(), kMaxSubjects);
}

TEST(SummarizeResource, JoinsSubjects) {
  subject_list subjects;
  EXPECT_EQ(summarize_resource(subjects.items()), "*");
  subjects.add(identifier_kind::user_id, "alice");
  EXPECT_EQ(summarize_resource(subjects.items()), "user_id:alice");
  subjects.add(identifier_kind::agent_id, "bot");
  EXPECT_EQ(summarize_resource(subjects.items()), "user_id:alice,agent_id:bot");

  subject_list memory;
  memory.add(identifier_kind::memory_id, "m-1");
  EXPECT_EQ(summarize_resource(memory.items()), "memory:m-1");
}

TEST(SummarizeResource, CutsLongSummaries) {
  subject_list subjects;
  for (int i = 0; i < 100; ++i) {
    subjects.add(identifier_kind::user_id, std::string(30, 'a') + std::to_string(i));
  }
  const std::string resource = summarize_resource(subjects.items());
  EXPECT_LE(resource.size(), kMaxResourceBytes);
  EXPECT_EQ(resource.substr(resource.size() - 4), ",...");
  EXPECT_EQ(resource.rfind("user_id:", 0), 0u);
}

}  // namespace
}  // namespace memgov::ingress::request
