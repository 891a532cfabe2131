#include <gtest/gtest.h>

#include "ctl/cli_args.hpp"

namespace memgov::ctl {
namespace {

const std::optional<std::string> kEnvironmentUrl = std::string("postgresql://env/db");

command_line parse(const std::vector<std::string>& arguments,
                   const std::optional<std::string>& environment = kEnvironmentUrl) {
  return parse_command_line(arguments, environment);
}

std::string usage_error_of(const std::vector<std::string>& arguments,
                           const std::optional<std::string>& environment = kEnvironmentUrl) {
  try {
    parse(arguments, environment);
  } catch (const usage_error& e) {
    return e.what();
  }
  return "";
}

TEST(CtlArgs, ReportForMonth) {
  command_line command = parse({"report", "access", "--month", "2025-02"});
  EXPECT_EQ(command.command, command_kind::report);
  EXPECT_EQ(command.report, report_kind::access);
  EXPECT_EQ(command.range.from, "2025-02-01 00:00:00+00");
  EXPECT_EQ(command.range.to, "2025-03-01 00:00:00+00");
  EXPECT_FALSE(command.tenant);
  EXPECT_FALSE(command.output);
  EXPECT_EQ(command.database_url, "postgresql://env/db");
}

TEST(CtlArgs, DecemberEndsInJanuary) {
  command_line command = parse({"report", "admin", "--month", "2026-12"});
  EXPECT_EQ(command.range.to, "2027-01-01 00:00:00+00");
}

TEST(CtlArgs, DateRangeIncludesBothDays) {
  command_line command =
      parse({"report", "failed", "--from", "2024-02-28", "--to", "2024-02-29", "--tenant",
             "acme-corp", "--output", "out.csv", "--database-url", "postgresql://flag/db"});
  EXPECT_EQ(command.report, report_kind::failed);
  EXPECT_EQ(command.range.from, "2024-02-28 00:00:00+00");
  EXPECT_EQ(command.range.to, "2024-03-01 00:00:00+00");
  EXPECT_EQ(command.tenant, "acme-corp");
  EXPECT_EQ(command.output, "out.csv");
  EXPECT_EQ(command.database_url, "postgresql://flag/db");
  EXPECT_EQ(parse({"report", "access", "--from", "2025-12-31", "--to", "2025-12-31"}).range.to,
            "2026-01-01 00:00:00+00");
}

TEST(CtlArgs, VerifyAndMigrate) {
  EXPECT_EQ(parse({"verify"}).command, command_kind::verify);
  EXPECT_EQ(parse({"migrate", "--database-url", "x"}).database_url, "x");
  EXPECT_EQ(parse({"--help"}, std::nullopt).command, command_kind::help);
  EXPECT_EQ(parse({"verify", "--help"}, std::nullopt).command, command_kind::help);
}

TEST(CtlArgs, RejectsBadCommands) {
  EXPECT_NE(usage_error_of({}).find("missing command"), std::string::npos);
  EXPECT_NE(usage_error_of({"delete"}).find("unknown command 'delete'"), std::string::npos);
  EXPECT_NE(usage_error_of({"report"}).find("needs a kind"), std::string::npos);
  EXPECT_NE(usage_error_of({"report", "everything", "--month", "2025-01"}).find("everything"),
            std::string::npos);
  EXPECT_NE(usage_error_of({"verify", "--month", "2025-01"}).find("only to report"),
            std::string::npos);
  EXPECT_NE(usage_error_of({"verify", "--verbose"}).find("unknown argument '--verbose'"),
            std::string::npos);
}

TEST(CtlArgs, RejectsBadRanges) {
  EXPECT_NE(usage_error_of({"report", "access"}).find("--month"), std::string::npos);
  EXPECT_NE(usage_error_of({"report", "access", "--month", "2025-13"}).find("2025-13"),
            std::string::npos);
  EXPECT_NE(usage_error_of({"report", "access", "--month", "2025-1"}).find("YYYY-MM"),
            std::string::npos);
  EXPECT_NE(usage_error_of({"report", "access", "--from", "2025-01-01"}).find("--to"),
            std::string::npos);
  EXPECT_NE(usage_error_of({"report", "access", "--from", "2025-02-30", "--to", "2025-03-01"})
                .find("--from '2025-02-30'"),
            std::string::npos);
  EXPECT_NE(usage_error_of({"report", "access", "--from", "2025-03-02", "--to", "2025-03-01"})
                .find("before"),
            std::string::npos);
  EXPECT_NE(usage_error_of({"report", "access", "--month", "2025-01", "--from", "2025-01-01",
                            "--to", "2025-01-02"})
                .find("not both"),
            std::string::npos);
  EXPECT_NE(usage_error_of({"report", "access", "--month"}).find("needs a value"),
            std::string::npos);
  EXPECT_NE(
      usage_error_of({"report", "access", "--month", "2025-01", "--tenant", ""}).find("--tenant"),
      std::string::npos);
}

TEST(CtlArgs, NeedsDatabaseUrl) {
  EXPECT_NE(usage_error_of({"verify"}, std::nullopt).find("DATABASE_URL"), std::string::npos);
  EXPECT_NE(usage_error_of({"verify"}, std::string()).find("DATABASE_URL"), std::string::npos);
}

TEST(CtlArgs, ParsesDates) {
  EXPECT_TRUE(parse_date("2024-02-29"));
  EXPECT_FALSE(parse_date("2023-02-29"));
  EXPECT_FALSE(parse_date("2100-02-29"));
  EXPECT_TRUE(parse_date("2000-02-29"));
  EXPECT_FALSE(parse_date("2024-04-31"));
  EXPECT_FALSE(parse_date("2024-4-01"));
  EXPECT_FALSE(parse_date("2024-04-01T00"));
  EXPECT_FALSE(parse_date("0000-01-01"));
}

}  // namespace
}  // namespace memgov::ctl
