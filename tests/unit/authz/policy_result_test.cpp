#include "policy_result.hpp"

#include <gtest/gtest.h>

namespace memgov::authz {
namespace {

TEST(PolicyResult, AllowWithoutDenyAllows) {
  policy_outcome outcome = interpret_policy_response(
      200, R"({"result":{"allow":true,"deny":[],"revision":"2026-12-04.1"}})", "read");
  EXPECT_TRUE(outcome.evaluated);
  EXPECT_TRUE(outcome.allowed);
  EXPECT_EQ(outcome.reason, "");
  EXPECT_EQ(outcome.revision, "2026-12-04.1");
}

TEST(PolicyResult, AbsentDenyAllows) {
  policy_outcome outcome = interpret_policy_response(200, R"({"result":{"allow":true}})", "read");
  EXPECT_TRUE(outcome.allowed);
  EXPECT_EQ(outcome.revision, "");
}

TEST(PolicyResult, DenyOverridesAllow) {
  policy_outcome outcome = interpret_policy_response(
      200, R"({"result":{"allow":true,"deny":["resource belongs to b, requester is a"]}})", "read");
  EXPECT_TRUE(outcome.evaluated);
  EXPECT_FALSE(outcome.allowed);
  EXPECT_EQ(outcome.reason, "resource belongs to b, requester is a");
}

TEST(PolicyResult, DenyMessagesJoined) {
  policy_outcome outcome = interpret_policy_response(
      200, R"({"result":{"allow":false,"deny":["first","second"],"reason":"ignored"}})", "read");
  EXPECT_FALSE(outcome.allowed);
  EXPECT_EQ(outcome.reason, "first; second");
}

TEST(PolicyResult, ReasonUsedWithoutDeny) {
  policy_outcome outcome = interpret_policy_response(
      200, R"({"result":{"allow":false,"reason":"role agent-reader may not perform write"}})",
      "write");
  EXPECT_FALSE(outcome.allowed);
  EXPECT_EQ(outcome.reason, "role agent-reader may not perform write");
}

TEST(PolicyResult, DefaultReasonNamesAction) {
  policy_outcome outcome = interpret_policy_response(200, R"({"result":{}})", "delete");
  EXPECT_TRUE(outcome.evaluated);
  EXPECT_FALSE(outcome.allowed);
  EXPECT_EQ(outcome.reason, "no policy rule allows delete");
}

TEST(PolicyResult, NonBooleanAllowDenies) {
  policy_outcome outcome = interpret_policy_response(200, R"({"result":{"allow":"true"}})", "read");
  EXPECT_TRUE(outcome.evaluated);
  EXPECT_FALSE(outcome.allowed);
}

TEST(PolicyResult, NullDenyCountsAsEmpty) {
  policy_outcome outcome =
      interpret_policy_response(200, R"({"result":{"allow":true,"deny":null}})", "read");
  EXPECT_TRUE(outcome.allowed);
}

TEST(PolicyResult, NonStringDenyEntryIsShownAsJson) {
  policy_outcome outcome =
      interpret_policy_response(200, R"({"result":{"allow":true,"deny":[{"code":1}]}})", "read");
  EXPECT_FALSE(outcome.allowed);
  EXPECT_EQ(outcome.reason, R"({"code":1})");
}

TEST(PolicyResult, ServerErrorFailsClosed) {
  policy_outcome outcome = interpret_policy_response(
      500,
      R"({"code":"internal_error","message":"eval_conflict_error: functions must not produce multiple outputs"})",
      "read");
  EXPECT_FALSE(outcome.evaluated);
  EXPECT_FALSE(outcome.allowed);
  EXPECT_EQ(outcome.error_cause, "http_status");
  EXPECT_EQ(outcome.reason,
            "policy engine unavailable: OPA returned HTTP 500: eval_conflict_error: functions "
            "must not produce multiple outputs");
}

TEST(PolicyResult, NonJsonErrorBodyGivesStatusOnly) {
  policy_outcome outcome = interpret_policy_response(404, "not found", "read");
  EXPECT_FALSE(outcome.allowed);
  EXPECT_EQ(outcome.reason, "policy engine unavailable: OPA returned HTTP 404");
}

TEST(PolicyResult, LongErrorMessageShortened) {
  std::string body = R"({"message":")" + std::string(500, 'x') + R"("})";
  policy_outcome outcome = interpret_policy_response(400, body, "read");
  EXPECT_LT(outcome.reason.size(), 300u);
}

TEST(PolicyResult, ErrorStatusWithAllowDenies) {
  policy_outcome outcome = interpret_policy_response(503, R"({"result":{"allow":true}})", "read");
  EXPECT_FALSE(outcome.evaluated);
  EXPECT_FALSE(outcome.allowed);
}

TEST(PolicyResult, MalformedJsonFailsClosed) {
  policy_outcome outcome = interpret_policy_response(200, R"({"result":{"allow":tru)", "read");
  EXPECT_FALSE(outcome.evaluated);
  EXPECT_FALSE(outcome.allowed);
  EXPECT_EQ(outcome.error_cause, "invalid_response");
  EXPECT_EQ(outcome.reason, "policy engine unavailable: OPA returned a body that is not JSON");
}

TEST(PolicyResult, EmptyBodyFailsClosed) {
  policy_outcome outcome = interpret_policy_response(200, "", "read");
  EXPECT_FALSE(outcome.evaluated);
  EXPECT_EQ(outcome.error_cause, "invalid_response");
}

TEST(PolicyResult, MissingResultFailsClosed) {
  policy_outcome outcome = interpret_policy_response(200, "{}", "read");
  EXPECT_FALSE(outcome.evaluated);
  EXPECT_FALSE(outcome.allowed);
  EXPECT_EQ(outcome.error_cause, "no_result");
  EXPECT_EQ(outcome.reason,
            "policy engine unavailable: OPA returned no result for mem0.authz (are the policies "
            "loaded?)");
}

TEST(PolicyResult, NonObjectDocumentFailsClosed) {
  policy_outcome outcome = interpret_policy_response(200, "[1,2]", "read");
  EXPECT_FALSE(outcome.evaluated);
  EXPECT_EQ(outcome.error_cause, "no_result");
}

TEST(PolicyResult, NonObjectResultFailsClosed) {
  policy_outcome outcome = interpret_policy_response(200, R"({"result":true})", "read");
  EXPECT_FALSE(outcome.evaluated);
  EXPECT_FALSE(outcome.allowed);
  EXPECT_EQ(outcome.error_cause, "invalid_response");
}

TEST(PolicyResult, NonListDenyFailsClosed) {
  policy_outcome outcome =
      interpret_policy_response(200, R"({"result":{"allow":true,"deny":"no"}})", "read");
  EXPECT_FALSE(outcome.evaluated);
  EXPECT_FALSE(outcome.allowed);
  EXPECT_EQ(outcome.reason, "policy engine unavailable: OPA result field deny is not a list");
}

TEST(PolicyResult, EngineFailureShape) {
  policy_outcome outcome = engine_failure("connect", "connection refused");
  EXPECT_FALSE(outcome.evaluated);
  EXPECT_FALSE(outcome.allowed);
  EXPECT_EQ(outcome.error_cause, "connect");
  EXPECT_EQ(outcome.reason, "policy engine unavailable: connection refused");
}

}  // namespace
}  // namespace memgov::authz
