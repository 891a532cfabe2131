// The rules for resolving unknown memory ids and looking up response owners.
#include "ownership_resolution.hpp"

#include <gtest/gtest.h>

namespace memgov::authz {
namespace {

using protocol::subject_ref;

const std::string kMemory = "0b9f5c3e-2f0c-4a53-9d52-6f0d8c1e7a10";

TEST(ChooseMemoryOwner, OneOwnerForAllSubjects) {
  owner_map owners{{{"user_id", "alice"}, "acme"}, {{"agent_id", "bot"}, "acme"}};
  auto reply = choose_memory_owner(kMemory, {{"agent_id", "bot"}, {"user_id", "alice"}}, owners);
  EXPECT_EQ(reply.owner, "acme");
  EXPECT_EQ(reply.reason, "");
}

TEST(ChooseMemoryOwner, UnownedSubjectGivesNoOwner) {
  owner_map owners{{{"user_id", "alice"}, "acme"}};
  auto reply = choose_memory_owner(kMemory, {{"agent_id", "bot"}, {"user_id", "alice"}}, owners);
  EXPECT_EQ(reply.owner, "");
  EXPECT_EQ(reply.reason, "subject agent_id:bot of memory " + kMemory + " has no owning tenant");
}

TEST(ChooseMemoryOwner, TwoOwnersGiveNoOwner) {
  owner_map owners{{{"user_id", "alice"}, "acme"}, {{"run_id", "r1"}, "globex"}};
  auto reply = choose_memory_owner(kMemory, {{"run_id", "r1"}, {"user_id", "alice"}}, owners);
  EXPECT_EQ(reply.owner, "");
  EXPECT_EQ(reply.reason,
            "the subjects of memory " + kMemory + " belong to different tenants (globex, acme)");
}

TEST(CheckResolveRequest, AcceptsSessionSubjects) {
  protocol::ownership_resolve_request request{
      "req-1", kMemory, {{"user_id", "alice", ""}, {"agent_id", "bot", ""}}};
  checked_subjects checked = check_resolve_request(request);
  EXPECT_EQ(checked.error, "");
  std::vector<subject_key> expected{{"agent_id", "bot"}, {"user_id", "alice"}};
  EXPECT_EQ(checked.subjects, expected);
}

TEST(CheckResolveRequest, RejectsBadRequests) {
  struct bad_case {
    const char* label;
    protocol::ownership_resolve_request request;
  };
  const std::vector<bad_case> cases = {
      {"no memory id", {"r", "", {{"user_id", "alice", ""}}}},
      {"wildcard memory id", {"r", "*", {{"user_id", "alice", ""}}}},
      {"no subjects", {"r", kMemory, {}}},
      {"memory id as subject", {"r", kMemory, {{"memory_id", kMemory, ""}}}},
      {"wildcard subject", {"r", kMemory, {{"user_id", "*", ""}}}},
      {"empty subject", {"r", kMemory, {{"user_id", "", ""}}}},
      {"NUL in subject", {"r", kMemory, {{"user_id", std::string("a\0b", 3), ""}}}},
      {"four subjects",
       {"r",
        kMemory,
        {{"user_id", "a", ""}, {"agent_id", "b", ""}, {"run_id", "c", ""}, {"user_id", "d", ""}}}},
  };
  for (const bad_case& bad : cases) {
    EXPECT_NE(check_resolve_request(bad.request).error, "") << bad.label;
  }
}

TEST(CheckLookupRequest, LimitsSubjectCount) {
  protocol::ownership_lookup_request request;
  for (std::size_t i = 0; i <= kMaxLookupSubjects; ++i)
    request.subjects.push_back({"user_id", "u" + std::to_string(i), ""});
  EXPECT_NE(check_lookup_request(request).error, "");
  request.subjects.pop_back();
  EXPECT_EQ(check_lookup_request(request).error, "");
}

TEST(CheckLookupRequest, RejectsUnknownKind) {
  protocol::ownership_lookup_request request{"r", {{"tenant", "acme", ""}}};
  EXPECT_NE(check_lookup_request(request).error, "");
}

TEST(FillOwners, KeepsRequestOrder) {
  protocol::ownership_lookup_request request{
      "r", {{"user_id", "zed", ""}, {"memory_id", kMemory, ""}, {"user_id", "alice", ""}}};
  owner_map owners{{{"user_id", "alice"}, "acme"}, {{"memory_id", kMemory}, "globex"}};
  auto reply = fill_owners(request, owners);
  ASSERT_EQ(reply.subjects.size(), 3u);
  EXPECT_EQ(reply.subjects[0].tenant, "");
  EXPECT_EQ(reply.subjects[1].tenant, "globex");
  EXPECT_EQ(reply.subjects[2].tenant, "acme");
  EXPECT_EQ(reply.subjects[2].id, "alice");
}

}  // namespace
}  // namespace memgov::authz
