#include <gtest/gtest.h>

#include "ctl/csv_writer.hpp"
#include "ctl/report_queries.hpp"

namespace memgov::ctl {
namespace {

std::string quote(const std::string& text) {
  return "'" + text + "'";
}

TEST(CsvWriter, QuotesLikePsql) {
  const std::pair<std::string, std::string> cases[] = {
      {"plain", "plain"},
      {"a,b", "\"a,b\""},
      {"say \"hi\"", "\"say \"\"hi\"\"\""},
      {"two\nlines", "\"two\nlines\""},
      {"cr\r", "\"cr\r\""},
      {"\\.", "\"\\.\""},
      {" leading space", " leading space"},
      {"", ""},
  };
  for (const auto& [field, expected] : cases) {
    std::string out;
    append_csv_field(out, field);
    EXPECT_EQ(out, expected) << field;
  }
}

TEST(CsvWriter, WritesNullAsEmpty) {
  std::string out;
  append_csv_line(out, {std::string("a"), std::nullopt, std::string("c,d")});
  EXPECT_EQ(out, "a,,\"c,d\"\n");
}

TEST(ReportQueries, KeepTheQueryColumns) {
  time_range range{"2025-01-01 00:00:00+00", "2025-02-01 00:00:00+00"};
  std::string access = report_query(report_kind::access, range, std::nullopt, quote);
  EXPECT_NE(access.find("SELECT tenant_id, actor_role, COUNT(*) as total_requests, "
                        "SUM(CASE WHEN decision = 'allow' THEN 1 ELSE 0 END) as allowed, "
                        "SUM(CASE WHEN decision = 'deny' THEN 1 ELSE 0 END) as denied"),
            std::string::npos)
      << access;
  EXPECT_NE(access.find("timestamp >= '2025-01-01 00:00:00+00'::timestamptz AND timestamp < "
                        "'2025-02-01 00:00:00+00'::timestamptz"),
            std::string::npos)
      << access;
  EXPECT_NE(access.find("ORDER BY tenant_id, total_requests DESC, actor_role"), std::string::npos);
  EXPECT_EQ(access.find("tenant_id = "), std::string::npos);

  std::string failed = report_query(report_kind::failed, range, std::string("acme"), quote);
  EXPECT_NE(failed.find("SELECT timestamp, actor_id, actor_role, tenant_id, action, resource, "
                        "decision FROM mem0_audit_log WHERE decision IN ('deny', "
                        "'invalid_request')"),
            std::string::npos)
      << failed;
  EXPECT_NE(failed.find("AND tenant_id = 'acme'"), std::string::npos) << failed;
  EXPECT_NE(failed.find("ORDER BY timestamp DESC, event_id"), std::string::npos);

  std::string admin = report_query(report_kind::admin, range, std::nullopt, quote);
  EXPECT_NE(admin.find("SELECT timestamp, actor_id, tenant_id, action, resource FROM "
                       "mem0_audit_log WHERE actor_role = 'admin'"),
            std::string::npos)
      << admin;
}

}  // namespace
}  // namespace memgov::ctl
