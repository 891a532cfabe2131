#include "metrics/readiness.hpp"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

namespace memgov::metrics {
namespace {

readiness_check fixed(std::string name, bool required, bool up, std::string detail = "") {
  return {std::move(name), required, [up, detail] { return check_state{up, detail}; }};
}

TEST(Readiness, NoChecksMeansStarting) {
  readiness_report report = evaluate_readiness("authz", {});
  EXPECT_FALSE(report.ready);
  auto body = nlohmann::json::parse(report.body);
  EXPECT_EQ(body["status"], "starting");
  EXPECT_EQ(body["stage"], "authz");
  EXPECT_TRUE(body["checks"].empty());
}

TEST(Readiness, AllRequiredUpIsReady) {
  readiness_report report =
      evaluate_readiness("authz", {fixed("opa", true, true), fixed("database", true, true)});
  EXPECT_TRUE(report.ready);
  auto body = nlohmann::json::parse(report.body);
  EXPECT_EQ(body["status"], "ready");
  EXPECT_EQ(body["checks"]["opa"]["state"], "up");
  EXPECT_EQ(body["checks"]["database"]["required"], true);
  EXPECT_FALSE(body["checks"]["opa"].contains("detail"));
}

TEST(Readiness, RequiredDownIsNotReady) {
  readiness_report report = evaluate_readiness(
      "authz", {fixed("opa", true, false, "timed out"), fixed("database", true, true)});
  EXPECT_FALSE(report.ready);
  auto body = nlohmann::json::parse(report.body);
  EXPECT_EQ(body["status"], "not_ready");
  EXPECT_EQ(body["checks"]["opa"]["state"], "down");
  EXPECT_EQ(body["checks"]["opa"]["detail"], "timed out");
}

TEST(Readiness, OptionalDownStaysReady) {
  readiness_report report = evaluate_readiness(
      "audit-sink", {fixed("wal", true, true), fixed("database", false, false, "3 records")});
  EXPECT_TRUE(report.ready);
  auto body = nlohmann::json::parse(report.body);
  EXPECT_EQ(body["status"], "ready");
  EXPECT_EQ(body["checks"]["database"]["state"], "down");
  EXPECT_EQ(body["checks"]["database"]["required"], false);
}

TEST(Readiness, DetailIsEscaped) {
  readiness_report report =
      evaluate_readiness("ratelimit", {fixed("redis", true, true, "say \"hi\"\n")});
  auto body = nlohmann::json::parse(report.body);
  EXPECT_EQ(body["checks"]["redis"]["detail"], "say \"hi\"\n");
}

}  // namespace
}  // namespace memgov::metrics
