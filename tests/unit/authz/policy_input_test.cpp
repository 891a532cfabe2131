#include "policy_input.hpp"

#include <gtest/gtest.h>

namespace memgov::authz {
namespace {

protocol::authz_request sample_request() {
  protocol::authz_request request;
  request.request_id = "req-9";
  request.tenant = "acme";
  request.actor = "agent-7";
  request.roles = {" agent-writer ", "\tsupervisor"};
  request.action = "write";
  request.method = "POST";
  request.path = "/memories";
  request.resource = "user_id:alice";
  request.subjects = {{"user_id", "alice", ""}};
  request.time_unix_ms = 1764840600250;  // 2025-12-04T09:30:00.250Z
  return request;
}

TEST(PolicyInput, ContainsEveryField) {
  nlohmann::json input =
      build_policy_input(sample_request(), "acme", {{"user_id", "alice", "acme"}});
  EXPECT_EQ(input["action"], "write");
  EXPECT_EQ(input["tenant"], "acme");
  EXPECT_EQ(input["actor"], "agent-7");
  EXPECT_EQ(input["resource_tenant"], "acme");
  EXPECT_EQ(input["resource"], "user_id:alice");
  EXPECT_EQ(input["method"], "POST");
  EXPECT_EQ(input["path"], "/memories");
  EXPECT_EQ(input["request_id"], "req-9");
  EXPECT_EQ(input["time"], "2025-12-04T09:30:00.250Z");
  EXPECT_EQ(input.size(), 11u);
}

TEST(PolicyInput, RolesTrimmedInOrder) {
  nlohmann::json input = build_policy_input(sample_request(), "acme", {});
  nlohmann::json expected = {"agent-writer", "supervisor"};
  EXPECT_EQ(input["roles"], expected);
}

TEST(PolicyInput, BlankRoleKeptEmpty) {
  protocol::authz_request request = sample_request();
  request.roles = {"  "};
  nlohmann::json input = build_policy_input(request, "acme", {});
  nlohmann::json expected = {""};
  EXPECT_EQ(input["roles"], expected);
}

TEST(PolicyInput, SubjectsCarryTenant) {
  nlohmann::json input = build_policy_input(
      sample_request(), "", {{"user_id", "alice", "acme"}, {"memory_id", "m1", ""}});
  ASSERT_EQ(input["subjects"].size(), 2u);
  EXPECT_EQ(input["subjects"][0],
            (nlohmann::json{{"kind", "user_id"}, {"id", "alice"}, {"tenant", "acme"}}));
  EXPECT_EQ(input["subjects"][1]["tenant"], "");
  EXPECT_EQ(input["resource_tenant"], "");
}

TEST(PolicyInput, NoSubjectsGivesEmptyList) {
  nlohmann::json input = build_policy_input(sample_request(), "acme", {});
  EXPECT_TRUE(input["subjects"].is_array());
  EXPECT_TRUE(input["subjects"].empty());
}

TEST(PolicyInput, MissingTimeUsesNow) {
  protocol::authz_request request = sample_request();
  request.time_unix_ms = 0;
  nlohmann::json input = build_policy_input(request, "acme", {});
  std::string time = input["time"];
  EXPECT_EQ(time.size(), 24u);
  EXPECT_NE(time.substr(0, 4), "1970");
}

TEST(PolicyInput, QueryWrapsInput) {
  nlohmann::json input = build_policy_input(sample_request(), "acme", {});
  nlohmann::json query = nlohmann::json::parse(serialize_policy_query(input));
  EXPECT_EQ(query.size(), 1u);
  EXPECT_EQ(query["input"], input);
}

TEST(PolicyInput, InvalidUtf8Replaced) {
  protocol::authz_request request = sample_request();
  request.actor = "bad\xff";
  std::string body = serialize_policy_query(build_policy_input(request, "acme", {}));
  nlohmann::json query = nlohmann::json::parse(body);
  EXPECT_EQ(query["input"]["actor"], "bad\xEF\xBF\xBD");
}

TEST(Rfc3339, FormatsEpochAndMillis) {
  EXPECT_EQ(format_rfc3339_utc(0), "1970-01-01T00:00:00.000Z");
  EXPECT_EQ(format_rfc3339_utc(1764840600250), "2025-12-04T09:30:00.250Z");
  EXPECT_EQ(format_rfc3339_utc(-1), "1969-12-31T23:59:59.999Z");
}

TEST(TrimBlanks, RemovesSpacesAndTabs) {
  EXPECT_EQ(trim_blanks("  admin\t"), "admin");
  EXPECT_EQ(trim_blanks(" \t "), "");
  EXPECT_EQ(trim_blanks("agent writer"), "agent writer");
}

}  // namespace
}  // namespace memgov::authz
