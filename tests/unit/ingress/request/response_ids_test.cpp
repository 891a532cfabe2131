#include "request/response_ids.hpp"

#include <string>
#include <vector>

#include <gtest/gtest.h>

namespace memgov::ingress::request {
namespace {

std::vector<std::string> describe(const std::vector<memory_event>& events) {
  std::vector<std::string> out;
  for (const auto& event : events) {
    out.push_back(std::string(memory_event_name(event.kind)) + ":" + event.id);
  }
  return out;
}

TEST(ExtractMemoryEvents, ReadsResults) {
  struct response_case {
    const char* label;
    std::string body;
    std::vector<std::string> expected;
  };
  const std::vector<response_case> cases = {
      {"current server",
       R"({"results":[{"id":"m1","memory":"likes tea","event":"ADD"},
                      {"id":"m2","memory":"x","event":"ADD"}]})",
       {"ADD:m1", "ADD:m2"}},
      {"older server events",
       R"({"results":[{"id":"m1","event":"UPDATE","previous_memory":"a"},
                      {"id":"m2","event":"DELETE"},{"id":"m3","event":"NONE"}],
           "relations":{"added_entities":[]}})",
       {"UPDATE:m1", "DELETE:m2"}},
      {"lower-case event", R"({"results":[{"id":"m1","event":"add"}]})", {"ADD:m1"}},
      {"bare list of old servers", R"([{"id":"m1","event":"ADD"}])", {"ADD:m1"}},
      {"empty results", R"({"results":[]})", {}},
      {"missing results", R"({"message":"ok"})", {}},
      {"results not a list", R"({"results":{"id":"m1","event":"ADD"}})", {}},
      {"entries with missing or bad fields",
       R"({"results":[1,"m0",{"event":"ADD"},{"id":"m1"},{"id":5,"event":"ADD"},
                      {"id":"m2","event":5},{"id":"","event":"ADD"},{"id":"a b","event":"ADD"},
                      {"id":"*","event":"ADD"},{"id":"m3","event":"ADD"}]})",
       {"ADD:m3"}},
      {"not JSON", "<html>502</html>", {}},
      {"empty", "", {}},
      {"truncated", R"({"results":[{"id":"m1","event":"ADD"})", {}},
      {"null", "null", {}},
  };
  for (const auto& c : cases) {
    EXPECT_EQ(describe(extract_memory_events(c.body)), c.expected) << c.label;
  }
}

}  // namespace
}  // namespace memgov::ingress::request
