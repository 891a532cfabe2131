#include <gtest/gtest.h>

#include "audit_settings.hpp"
#include "storage/pg_session.hpp"

namespace memgov::audit {
namespace {

// Loads settings with audit.wal_dir set, since it has no default, unless `env` sets it.
audit_settings load(const std::string& file, std::map<std::string, std::string> env) {
  env.emplace("MEMGOV_AUDIT_WAL_DIR", "wal");
  return load_audit_settings(config::settings_source::from_text(file, env));
}

std::string error_of(const std::map<std::string, std::string>& env) {
  try {
    load("", env);
  } catch (const config::settings_error& e) {
    return e.what();
  }
  return "";
}

TEST(AuditSettings, Defaults) {
  audit_settings settings = load("", {});
  EXPECT_EQ(settings.bind, "tcp://127.0.0.1:7300-7307");
  EXPECT_EQ(settings.metrics_listen, "127.0.0.1:9490-9497");
  EXPECT_EQ(settings.database_url, "postgresql://127.0.0.1:5432/memgov");
  EXPECT_EQ(settings.wal_dir, "wal");
  EXPECT_EQ(settings.wal_budget_bytes, 1ULL << 30);
  EXPECT_EQ(settings.wal_segment_bytes, 64ULL << 20);
  EXPECT_EQ(settings.group_max, 10000u);
  EXPECT_EQ(settings.batch_max, 10000u);
  EXPECT_EQ(settings.checkpoint_interval, std::chrono::milliseconds(1000));
  EXPECT_EQ(settings.statement_timeout, std::chrono::milliseconds(10000));
}

TEST(AuditSettings, WalDirIsRequired) {
  std::string error;
  try {
    load_audit_settings(config::settings_source::from_text("", {}));
  } catch (const config::settings_error& e) {
    error = e.what();
  }
  EXPECT_NE(error.find("audit.wal_dir"), std::string::npos) << error;
  EXPECT_NE(error.find("MEMGOV_AUDIT_WAL_DIR"), std::string::npos) << error;
  EXPECT_NE(error_of({{"MEMGOV_AUDIT_WAL_DIR", ""}}).find("audit.wal_dir"), std::string::npos);
}

TEST(AuditSettings, SegmentMustFitTwiceInBudget) {
  audit_settings settings =
      load("[audit]\nwal_budget_bytes = 262144\nwal_segment_bytes = 65536\n", {});
  EXPECT_EQ(settings.wal_budget_bytes, 262144u);
  EXPECT_EQ(settings.wal_segment_bytes, 65536u);
  std::string error = error_of(
      {{"MEMGOV_AUDIT_WAL_BUDGET_BYTES", "262144"}, {"MEMGOV_AUDIT_WAL_SEGMENT_BYTES", "200000"}});
  EXPECT_NE(error.find("audit.wal_segment_bytes"), std::string::npos) << error;
  EXPECT_NE(error_of({{"MEMGOV_AUDIT_WAL_BUDGET_BYTES", "1000"}}).find("audit.wal_budget_bytes"),
            std::string::npos);
}

TEST(AuditSettings, DatabaseUrlSources) {
  EXPECT_EQ(load("", {{"DATABASE_URL", "postgresql://db/a"}}).database_url, "postgresql://db/a");
  EXPECT_EQ(load("[audit]\ndatabase_url = postgresql://file/b\n", {}).database_url,
            "postgresql://file/b");
  // The stage's own variable wins over the shared alias, which wins over the file.
  EXPECT_EQ(load("[audit]\ndatabase_url = postgresql://file/b\n",
                 {{"DATABASE_URL", "postgresql://db/a"},
                  {"MEMGOV_AUDIT_DATABASE_URL", "postgresql://own/c"}})
                .database_url,
            "postgresql://own/c");
  EXPECT_EQ(
      load("[audit]\ndatabase_url = postgresql://file/b\n", {{"DATABASE_URL", "postgresql://db/a"}})
          .database_url,
      "postgresql://db/a");
}

TEST(AuditSettings, BadValuesNameTheSetting) {
  EXPECT_NE(error_of({{"MEMGOV_AUDIT_BATCH_MAX", "0"}}).find("audit.batch_max"), std::string::npos);
  EXPECT_NE(error_of({{"MEMGOV_AUDIT_BIND", "7300"}}).find("audit.bind"), std::string::npos);
  EXPECT_NE(error_of({{"DATABASE_URL", ""}}).find("audit.database_url"), std::string::npos);
  std::string error = error_of(
      {{"MEMGOV_AUDIT_RECONNECT_MIN_MS", "9000"}, {"MEMGOV_AUDIT_RECONNECT_MAX_MS", "100"}});
  EXPECT_NE(error.find("audit.reconnect_min_ms"), std::string::npos) << error;
}

TEST(RedactDatabaseUrl, HidesPasswords) {
  const std::pair<const char*, const char*> cases[] = {
      {"postgresql://audit:s3cret@db:5432/memgov", "postgresql://audit:***@db:5432/memgov"},
      {"postgres://audit@db/memgov", "postgres://audit@db/memgov"},
      {"postgresql://db/memgov?user=a&password=s3cret&sslmode=require",
       "postgresql://db/memgov?user=a&password=***&sslmode=require"},
      {"host=db user=audit password=s3cret dbname=memgov",
       "host=db user=audit password=*** dbname=memgov"},
      {"host=db password='two words' dbname=memgov", "host=db password=*** dbname=memgov"},
      {"postgresql://127.0.0.1:5432/memgov", "postgresql://127.0.0.1:5432/memgov"},
  };
  for (const auto& [url, expected] : cases) {
    EXPECT_EQ(redact_database_url(url), expected) << url;
  }
}

TEST(MakeConninfo, AddsTimeoutsOnce) {
  pg_session_options options;
  options.connect_timeout = std::chrono::seconds(3);
  options.statement_timeout = std::chrono::milliseconds(5000);

  options.database_url = "postgresql://db/memgov";
  EXPECT_EQ(make_conninfo(options),
            "postgresql://db/memgov?connect_timeout=3&tcp_user_timeout=7000"
            "&application_name=memgov-audit-sink");

  options.database_url = "postgresql://db/memgov?sslmode=disable&connect_timeout=9";
  EXPECT_EQ(make_conninfo(options),
            "postgresql://db/memgov?sslmode=disable&connect_timeout=9&tcp_user_timeout=7000"
            "&application_name=memgov-audit-sink");

  options.database_url = "host=db dbname=memgov";
  EXPECT_EQ(make_conninfo(options),
            "host=db dbname=memgov connect_timeout=3 tcp_user_timeout=7000 "
            "application_name=memgov-audit-sink");
}

TEST(FirstLine, DropsDetailLines) {
  EXPECT_EQ(first_line("ERROR:  duplicate key\nDETAIL:  Key (event_id)=(x)\n"),
            "ERROR:  duplicate key");
  EXPECT_EQ(first_line("connection refused \n\tIs the server running?\n"), "connection refused");
  EXPECT_EQ(first_line("single"), "single");
  EXPECT_EQ(first_line(""), "");
}

}  // namespace
}  // namespace memgov::audit
