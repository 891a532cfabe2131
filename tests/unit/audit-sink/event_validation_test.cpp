#include <gtest/gtest.h>

#include "event_validation.hpp"

namespace memgov::audit {
namespace {

protocol::audit_event valid_event() {
  protocol::audit_event event;
  event.event_id = "6f1c2a0e-8b1d-4c3e-9f2a-1b2c3d4e5f60";
  event.timestamp_unix_us = 1'764'800'000'000'000;
  event.decision = "allow";
  return event;
}

TEST(EventValidation, AcceptsMinimalEvent) {
  EXPECT_EQ(validate_event(valid_event()), std::nullopt);
}

TEST(EventValidation, AcceptsEveryDecision) {
  for (const char* decision : {"allow", "deny", "invalid_request", "rate_limited", "error"}) {
    protocol::audit_event event = valid_event();
    event.decision = decision;
    EXPECT_EQ(validate_event(event), std::nullopt) << decision;
  }
}

TEST(EventValidation, RejectsUnknownDecision) {
  for (const char* decision : {"", "Allow", "denied", "allow ", "rate-limited"}) {
    protocol::audit_event event = valid_event();
    event.decision = decision;
    auto problem = validate_event(event);
    ASSERT_TRUE(problem) << "decision '" << decision << "'";
    EXPECT_NE(problem->find("decision"), std::string::npos) << *problem;
  }
}

TEST(EventValidation, ChecksUuidShape) {
  const std::pair<const char*, bool> cases[] = {
      {"6f1c2a0e-8b1d-4c3e-9f2a-1b2c3d4e5f60", true},
      {"6F1C2A0E-8B1D-4C3E-9F2A-1B2C3D4E5F60", true},
      {"00000000-0000-0000-0000-000000000000", true},
      {"6f1c2a0e8b1d4c3e9f2a1b2c3d4e5f60", false},
      {"{6f1c2a0e-8b1d-4c3e-9f2a-1b2c3d4e5f60}", false},
      {"6f1c2a0e-8b1d-4c3e-9f2a-1b2c3d4e5f6", false},
      {"6f1c2a0e-8b1d-4c3e-9f2a-1b2c3d4e5f6g", false},
      {"6f1c2a0e_8b1d-4c3e-9f2a-1b2c3d4e5f60", false},
      {"req-1", false},
  };
  for (const auto& [text, expected] : cases) {
    EXPECT_EQ(is_uuid(text), expected) << text;
  }
}

TEST(EventValidation, ReasonNamesBadEventId) {
  protocol::audit_event event = valid_event();
  event.event_id = "";
  EXPECT_EQ(validate_event(event), "event_id is missing");
  event.event_id = "not-a-uuid";
  EXPECT_EQ(validate_event(event), "event_id 'not-a-uuid' is not a UUID");
  event.event_id = std::string(200, 'x');
  auto problem = validate_event(event);
  ASSERT_TRUE(problem);
  EXPECT_NE(problem->find("(truncated)"), std::string::npos) << *problem;
  EXPECT_LT(problem->size(), 120u);
}

TEST(EventValidation, RequiresTimestampInRange) {
  protocol::audit_event event = valid_event();
  event.timestamp_unix_us = 0;
  EXPECT_EQ(validate_event(event), "timestamp is not set");
  event.timestamp_unix_us = -5;
  EXPECT_TRUE(validate_event(event));
  event.timestamp_unix_us = 253'402'300'800'000'000;  // Year 10000.
  EXPECT_TRUE(validate_event(event));
  event.timestamp_unix_us = 253'402'300'799'999'999;
  EXPECT_EQ(validate_event(event), std::nullopt);
  event.timestamp_unix_us = 1;
  EXPECT_EQ(validate_event(event), std::nullopt);
}

TEST(EventValidation, ReasonIsValidUtf8) {
  protocol::audit_event event = valid_event();
  event.decision = "\xff\xfe";
  auto problem = validate_event(event);
  ASSERT_TRUE(problem);
  EXPECT_NE(problem->find("\xEF\xBF\xBD"), std::string::npos) << *problem;
  EXPECT_EQ(problem->find('\xff'), std::string::npos);
}

protocol::audit_outcome valid_outcome() {
  protocol::audit_outcome outcome;
  outcome.event_id = "6f1c2a0e-8b1d-4c3e-9f2a-1b2c3d4e5f60";
  outcome.timestamp_unix_us = 1'764'800'000'000'000;
  return outcome;
}

TEST(OutcomeValidation, AcceptsMinimalOutcome) {
  EXPECT_EQ(validate_outcome(valid_outcome()), std::nullopt);
}

TEST(OutcomeValidation, RejectsBadFields) {
  protocol::audit_outcome outcome = valid_outcome();
  outcome.event_id = "x";
  EXPECT_EQ(validate_outcome(outcome), "event_id 'x' is not a UUID");
  outcome = valid_outcome();
  outcome.timestamp_unix_us = 0;
  EXPECT_EQ(validate_outcome(outcome), "timestamp is not set");
  outcome = valid_outcome();
  outcome.completed_unix_us = -1;
  auto problem = validate_outcome(outcome);
  ASSERT_TRUE(problem);
  EXPECT_NE(problem->find("completed_unix_us"), std::string::npos) << *problem;
}

}  // namespace
}  // namespace memgov::audit
