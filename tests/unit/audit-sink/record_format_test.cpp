#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <limits>

#include "record/record_format.hpp"

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

TEST(RecordSchema, EventColumnsMatchTable) {
  const auto& columns = record_columns(record_kind::event);
  ASSERT_EQ(columns.size(), 18u);
  EXPECT_STREQ(columns[event_id].name, "event_id");
  EXPECT_STREQ(columns[timestamp].name, "\"timestamp\"");
  EXPECT_STREQ(columns[status_code].name, "status_code");
  EXPECT_STREQ(columns[policy_revision].name, "policy_revision");
  EXPECT_EQ(sink_id_field(record_kind::event), 16u);
  EXPECT_EQ(sequence_field(record_kind::event), 17u);
  EXPECT_EQ(formatted_field_count(record_kind::event), 16u);
  EXPECT_EQ(copy_column_list(record_kind::event),
            "event_id, \"timestamp\", request_id, tenant_id, actor_id, actor_role, action, "
            "resource, decision, reason, method, path, status_code, latency_ms, source_ip, "
            "policy_revision, sink_id, sequence, prev_hash, row_hash");
}

TEST(RecordSchema, OutcomeColumnsMatchTable) {
  EXPECT_EQ(copy_column_list(record_kind::outcome),
            "event_id, \"timestamp\", completed_at, request_id, status_code, upstream_status, "
            "upstream_latency_ms, latency_ms, error, sink_id, sequence, prev_hash, row_hash");
  EXPECT_STREQ(table_name(record_kind::outcome), "mem0_audit_outcome");
  EXPECT_EQ(parse_record_kind("outcome"), record_kind::outcome);
  EXPECT_EQ(parse_record_kind("event"), record_kind::event);
  EXPECT_EQ(parse_record_kind("row"), std::nullopt);
}

TEST(RecordFormat, FormatsEveryField) {
  record_fields row = format_event(full_event());
  EXPECT_EQ(row[event_id], "6f1c2a0e-8b1d-4c3e-9f2a-1b2c3d4e5f60");
  EXPECT_EQ(row[timestamp], "1700000000123456");
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

TEST(RecordFormat, EmptyAndZeroBecomeNull) {
  protocol::audit_event event;
  event.event_id = "6f1c2a0e-8b1d-4c3e-9f2a-1b2c3d4e5f60";
  event.timestamp_unix_us = 1;
  event.decision = "invalid_request";
  event.latency_ms = std::numeric_limits<double>::quiet_NaN();
  record_fields row = format_event(event);
  for (column c : {request_id, tenant_id, actor_id, actor_role, action, resource, reason, method,
                   path, status_code, latency_ms, source_ip, policy_revision}) {
    EXPECT_FALSE(row[c].has_value()) << record_columns(record_kind::event)[c].name;
  }
  EXPECT_EQ(row[decision], "invalid_request");
  EXPECT_EQ(row[timestamp], "1");
}

TEST(RecordFormat, ZeroLatencyIsKept) {
  protocol::audit_event event = full_event();
  event.latency_ms = 0;
  EXPECT_EQ(format_event(event)[latency_ms], "0");
  event.latency_ms = std::numeric_limits<double>::infinity();
  EXPECT_FALSE(format_event(event)[latency_ms].has_value());
  event.latency_ms = 0.1;
  ASSERT_TRUE(format_event(event)[latency_ms].has_value());
  EXPECT_EQ(std::stod(*format_event(event)[latency_ms]), 0.1);
}

TEST(RecordFormat, FormatsTimestamps) {
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

TEST(RecordFormat, SanitizesText) {
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

TEST(RecordFormat, SanitizesEveryTextColumn) {
  protocol::audit_event event = full_event();
  event.path = "/memories/\xff";
  event.reason = std::string("nul\0", 4);
  record_fields row = format_event(event);
  EXPECT_EQ(row[path], "/memories/\xEF\xBF\xBD");
  EXPECT_EQ(row[reason], "nul\xEF\xBF\xBD");
}

TEST(RecordFormat, FormatsOutcome) {
  protocol::audit_outcome outcome;
  outcome.event_id = "6F1C2A0E-8B1D-4C3E-9F2A-1B2C3D4E5F60";
  outcome.timestamp_unix_us = 1'700'000'000'123'456;
  outcome.request_id = "req-1";
  outcome.status_code = 502;
  outcome.upstream_status = 0;
  outcome.upstream_latency_ms = -1;
  outcome.latency_ms = 2.5;
  outcome.error = "upstream timed out";
  record_fields fields = format_outcome(outcome, 1'700'000'000'200'000);
  ASSERT_EQ(fields.size(), formatted_field_count(record_kind::outcome));
  EXPECT_EQ(fields[0], "6f1c2a0e-8b1d-4c3e-9f2a-1b2c3d4e5f60");
  EXPECT_EQ(fields[1], "1700000000123456");
  EXPECT_EQ(fields[2], "1700000000200000");  // completed_unix_us 0: the receive time.
  EXPECT_EQ(fields[3], "req-1");
  EXPECT_EQ(fields[4], "502");
  EXPECT_FALSE(fields[5].has_value());  // No upstream status.
  EXPECT_FALSE(fields[6].has_value());  // Mem0 not called.
  EXPECT_EQ(fields[7], "2.5");
  EXPECT_EQ(fields[8], "upstream timed out");

  outcome.completed_unix_us = 1'700'000'000'150'000;
  outcome.upstream_status = 200;
  outcome.upstream_latency_ms = 0;
  fields = format_outcome(outcome, 1'700'000'000'200'000);
  EXPECT_EQ(fields[2], "1700000000150000");
  EXPECT_EQ(fields[5], "200");
  EXPECT_EQ(fields[6], "0");
}

TEST(RecordFormat, EscapesCopyFields) {
  std::string out;
  append_copy_field(out, std::string("a\tb\\c\nd\re"), column_type::text);
  EXPECT_EQ(out, "a\\tb\\\\c\\nd\\re");
  out.clear();
  append_copy_field(out, std::nullopt, column_type::text);
  EXPECT_EQ(out, "\\N");
  out.clear();
  append_copy_field(out, std::string("1700000000123456"), column_type::timestamp);
  EXPECT_EQ(out, "2023-11-14 22:13:20.123456+00");
  out.clear();
  append_copy_bytea(out, std::string("\x00\xab\x10", 3));
  EXPECT_EQ(out, "\\\\x00ab10");
}

TEST(RecordFormat, RealsRoundTrip) {
  for (double value : {0.1, 1.0 / 3.0, 123456.789, 5e-324, 1e300}) {
    // strtod, because std::stod throws on the subnormal value.
    EXPECT_EQ(std::strtod(format_real(value).c_str(), nullptr), value) << format_real(value);
  }
}

TEST(RecordFormat, ParsesIntegers) {
  EXPECT_EQ(parse_integer("42"), 42);
  EXPECT_EQ(parse_integer("-7"), -7);
  EXPECT_EQ(parse_integer(""), std::nullopt);
  EXPECT_EQ(parse_integer("4x"), std::nullopt);
  EXPECT_EQ(parse_integer(" 4"), std::nullopt);
}

}  // namespace
}  // namespace memgov::audit
