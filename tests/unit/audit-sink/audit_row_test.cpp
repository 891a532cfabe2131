#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "audit_row.hpp"

namespace memgov::audit {
namespace {

enum column : std::size_t {
  event_id,
  timestamp,
  request_id,
  tenant_id,
  actor_id,
  actor_role,
  action,
  resource,
  decision,
  reason,
  method,
  path,
  status_code,
  latency_ms,
  source_ip,
  policy_revision,
};

protocol::audit_event full_event() {
  protocol::audit_event event;
  event.event_id = "6F1C2A0E-8B1D-4C3E-9F2A-1B2C3D4E5F60";
  event.timestamp_unix_us = 1'700'000'000'123'456;
  event.request_id = "req-1";
  event.tenant_id = "acme-corp";
  event.actor_id = "alice";
  event.actor_role = "admin";
  event.action = "read";
  event.resource = "user_id:alice";
  event.decision = "deny";
  event.reason = "tenant mismatch";
  event.method = "GET";
  event.path = "/memories";
  event.status_code = 403;
  event.latency_ms = 1.5;
  event.source_ip = "127.0.0.1";
  event.policy_revision = "rev-7";
  return event;
}

TEST(AuditRow, ColumnsMatchTable) {
  const auto& columns = audit_columns();
  EXPECT_EQ(columns[event_id], "event_id");
  EXPECT_EQ(columns[timestamp], "\"timestamp\"");
  EXPECT_EQ(columns[status_code], "status_code");
  EXPECT_EQ(columns[policy_revision], "policy_revision");
  // Every column but the bigserial id, in row order.
  EXPECT_EQ(audit_column_list(),
            "event_id, \"timestamp\", request_id, tenant_id, actor_id, actor_role, action, "
            "resource, decision, reason, method, path, status_code, latency_ms, source_ip, "
            "policy_revision");
}

TEST(AuditRow, FormatsEveryField) {
  audit_row row = format_row(full_event());
  EXPECT_EQ(row[event_id], "6f1c2a0e-8b1d-4c3e-9f2a-1b2c3d4e5f60");
  EXPECT_EQ(row[timestamp], "2023-11-14 22:13:20.123456+00");
  EXPECT_EQ(row[request_id], "req-1");
  EXPECT_EQ(row[tenant_id], "acme-corp");
  EXPECT_EQ(row[actor_id], "alice");
  EXPECT_EQ(row[actor_role], "admin");
  EXPECT_EQ(row[action], "read");
  EXPECT_EQ(row[resource], "user_id:alice");
  EXPECT_EQ(row[decision], "deny");
  EXPECT_EQ(row[reason], "tenant mismatch");
  EXPECT_EQ(row[method], "GET");
  EXPECT_EQ(row[path], "/memories");
  EXPECT_EQ(row[status_code], "403");
  EXPECT_EQ(row[latency_ms], "1.5");
  EXPECT_EQ(row[source_ip], "127.0.0.1");
  EXPECT_EQ(row[policy_revision], "rev-7");
}

TEST(AuditRow, EmptyAndZeroBecomeNull) {
  protocol::audit_event event;
  event.event_id = "6f1c2a0e-8b1d-4c3e-9f2a-1b2c3d4e5f60";
  event.timestamp_unix_us = 1;
  event.decision = "invalid_request";
  event.latency_ms = std::numeric_limits<double>::quiet_NaN();
  audit_row row = format_row(event);
  for (column c : {request_id, tenant_id, actor_id, actor_role, action, resource, reason, method,
                   path, status_code, latency_ms, source_ip, policy_revision}) {
    EXPECT_FALSE(row[c].has_value()) << audit_columns()[c];
  }
  EXPECT_EQ(row[decision], "invalid_request");
  EXPECT_EQ(row[timestamp], "1970-01-01 00:00:00.000001+00");
}

TEST(AuditRow, ZeroLatencyIsKept) {
  protocol::audit_event event = full_event();
  event.latency_ms = 0;
  EXPECT_EQ(format_row(event)[latency_ms], "0");
  event.latency_ms = std::numeric_limits<double>::infinity();
  EXPECT_FALSE(format_row(event)[latency_ms].has_value());
  event.latency_ms = 0.1;
  ASSERT_TRUE(format_row(event)[latency_ms].has_value());
  EXPECT_EQ(std::stod(*format_row(event)[latency_ms]), 0.1);
}

TEST(AuditRow, FormatsTimestamps) {
  const std::pair<std::int64_t, const char*> cases[] = {
      {1, "1970-01-01 00:00:00.000001+00"},
      {1'000'000, "1970-01-01 00:00:01.000000+00"},
      {951'782'400'000'000, "2000-02-29 00:00:00.000000+00"},
      {253'402'300'799'999'999, "9999-12-31 23:59:59.999999+00"},
  };
  for (const auto& [unix_us, expected] : cases) {
    EXPECT_EQ(format_timestamp(unix_us), expected) << unix_us;
  }
}

TEST(AuditRow, SanitizesText) {
  const std::pair<std::string, std::string> cases[] = {
      {"plain /memories?x=1", "plain /memories?x=1"},
      {"tab\tand\\backslash\nnewline", "tab\tand\\backslash\nnewline"},
      {"caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x98\x80", "caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x98\x80"},
      {std::string("a\0b", 3),
       "a\xEF\xBF\xBD"
       "b"},
      {"\xff", "\xEF\xBF\xBD"},
      {"\xC3", "\xEF\xBF\xBD"},                                  // Truncated sequence.
      {"\xC0\xAF", "\xEF\xBF\xBD\xEF\xBF\xBD"},                  // Overlong '/'.
      {"\xED\xA0\x80", "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD"},  // Surrogate U+D800.
      {"\xF4\x90\x80\x80", "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD"},  // > U+10FFFF.
      {"ok\xE2\x82", "ok\xEF\xBF\xBD\xEF\xBF\xBD"},
  };
  for (const auto& [input, expected] : cases) {
    EXPECT_EQ(sanitize_utf8(input), expected) << "input of " << input.size() << " bytes";
  }
}

TEST(AuditRow, SanitizesEveryTextColumn) {
  protocol::audit_event event = full_event();
  event.path = "/memories/\xff";
  event.reason = std::string("nul\0", 4);
  audit_row row = format_row(event);
  EXPECT_EQ(row[path], "/memories/\xEF\xBF\xBD");
  EXPECT_EQ(row[reason], "nul\xEF\xBF\xBD");
}

}  // namespace
}  // namespace memgov::audit
