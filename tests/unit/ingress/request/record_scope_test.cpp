#include "request/record_scope.hpp"

#include <string>
#include <vector>

#include <gtest/gtest.h>

namespace memgov::ingress::request {
namespace {

using protocol::subject_ref;

response_record make_record(std::string id, std::vector<subject_ref> subjects) {
  return response_record{std::move(id), std::move(subjects)};
}

const std::vector<subject_ref> kAliceChecked = {{"user_id", "alice", ""}};

TEST(OwnersNeeded, CheckedRecordsNeedNoLookup) {
  std::vector<response_record> records = {make_record("m1", {{"user_id", "alice", ""}}),
                                          make_record("m2", {{"user_id", "alice", ""}})};
  EXPECT_TRUE(owners_needed(records, kAliceChecked).empty());
}

TEST(OwnersNeeded, UncheckedIdsAndMemoryIdAreLookedUp) {
  std::vector<response_record> records = {
      make_record("m1", {{"user_id", "alice", ""}, {"agent_id", "bot", ""}}),
      make_record("m2", {{"user_id", "bob", ""}}), make_record("m3", {{"user_id", "bob", ""}}),
      make_record("m4", {})};
  std::vector<subject_ref> needed = owners_needed(records, kAliceChecked);
  std::vector<std::string> names;
  for (const subject_ref& subject : needed)
    names.push_back(subject.kind + ":" + subject.id);
  std::vector<std::string> expected = {"agent_id:bot", "memory_id:m1", "user_id:bob",
                                       "memory_id:m2", "memory_id:m3", "memory_id:m4"};
  EXPECT_EQ(names, expected);
}

TEST(OwnersNeeded, WildcardChecksNothing) {
  std::vector<response_record> records = {make_record("m1", {{"user_id", "alice", ""}})};
  EXPECT_EQ(owners_needed(records, {{"user_id", "*", ""}}).size(), 2u);
}

TEST(ScopeRecords, DecidesEachRecord) {
  struct scope_case {
    const char* label;
    response_record record;
    std::vector<subject_ref> owners;
    bool keep;
    std::string removed_owner;
  };
  const std::vector<scope_case> cases = {
      {"named by the request", make_record("m1", {{"user_id", "alice", ""}}), {}, true, ""},
      {"other user of the caller",
       make_record("m2", {{"user_id", "carol", ""}}),
       {{"user_id", "carol", "acme"}, {"memory_id", "m2", ""}},
       true,
       ""},
      {"foreign user",
       make_record("m3", {{"user_id", "charlie", ""}}),
       {{"user_id", "charlie", "globex"}, {"memory_id", "m3", "globex"}},
       false,
       "globex"},
      {"foreign memory id next to a checked user",
       make_record("m4", {{"user_id", "alice", ""}, {"agent_id", "bot", ""}}),
       {{"agent_id", "bot", ""}, {"memory_id", "m4", "globex"}},
       false,
       "globex"},
      {"unowned user",
       make_record("m5", {{"user_id", "zed", ""}}),
       {{"user_id", "zed", ""}, {"memory_id", "m5", ""}},
       false,
       ""},
      {"no subjects but an owned memory id",
       make_record("m6", {}),
       {{"memory_id", "m6", "acme"}},
       true,
       ""},
      {"no subjects and no owner", make_record("m7", {}), {}, false, ""},
      {"checked user with an unowned agent",
       make_record("m8", {{"user_id", "alice", ""}, {"agent_id", "new", ""}}),
       {{"agent_id", "new", ""}, {"memory_id", "m8", ""}},
       true,
       ""},
  };
  for (const scope_case& test : cases) {
    scope_result result = scope_records({test.record}, kAliceChecked, test.owners, "acme");
    ASSERT_EQ(result.keep.size(), 1u) << test.label;
    EXPECT_EQ(result.keep[0], test.keep) << test.label;
    if (test.keep) {
      EXPECT_TRUE(result.removed.empty()) << test.label;
    } else {
      ASSERT_EQ(result.removed.size(), 1u) << test.label;
      EXPECT_EQ(result.removed[0].memory_id, test.record.memory_id) << test.label;
      EXPECT_EQ(result.removed[0].owner, test.removed_owner) << test.label;
    }
  }
}

TEST(ScopeRecords, KeepsOrderOfMixedList) {
  std::vector<response_record> records = {make_record("m1", {{"user_id", "alice", ""}}),
                                          make_record("m2", {{"user_id", "charlie", ""}}),
                                          make_record("m3", {{"user_id", "alice", ""}})};
  scope_result result =
      scope_records(records, kAliceChecked, {{"user_id", "charlie", "globex"}}, "acme");
  EXPECT_EQ(result.keep, (std::vector<bool>{true, false, true}));
  ASSERT_EQ(result.removed.size(), 1u);
  EXPECT_EQ(result.removed[0].memory_id, "m2");
}

}  // namespace
}  // namespace memgov::ingress::request
