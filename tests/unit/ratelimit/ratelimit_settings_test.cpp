#include <gtest/gtest.h>

#include "ratelimit_settings.hpp"

namespace memgov::ratelimit {
namespace {

ratelimit_settings load(const std::string& file, const std::map<std::string, std::string>& env) {
  return load_ratelimit_settings(config::settings_source::from_text(file, env));
}

std::string error_of(const std::string& file, const std::map<std::string, std::string>& env) {
  try {
    load(file, env);
  } catch (const config::settings_error& e) {
    return e.what();
  }
  return "";
}

TEST(RatelimitSettings, Defaults) {
  ratelimit_settings settings = load("", {});
  EXPECT_EQ(settings.bind, "tcp://127.0.0.1:7200-7207");
  EXPECT_EQ(settings.metrics_listen, "127.0.0.1:9480-9487");
  EXPECT_EQ(settings.window, std::chrono::seconds(60));
  EXPECT_EQ(settings.default_limit, 100u);
  ASSERT_EQ(settings.role_limits.size(), 1u);
  EXPECT_EQ(settings.role_limits.at("admin"), 500u);
  EXPECT_EQ(settings.shards, 2);
}

TEST(RatelimitSettings, RolesFromFileAndEnvironment) {
  ratelimit_settings settings = load(
      "[ratelimit]\nwindow_seconds = 30\n[ratelimit.roles]\nAgent_Writer = 40\nadmin = 900\n",
      {{"MEMGOV_RATELIMIT_ROLES_SUPERVISOR", "300"}, {"MEMGOV_RATELIMIT_DEFAULT_LIMIT", "10"}});
  EXPECT_EQ(settings.window, std::chrono::seconds(30));
  EXPECT_EQ(settings.default_limit, 10u);
  EXPECT_EQ(settings.role_limits.at("agent-writer"), 40u);
  EXPECT_EQ(settings.role_limits.at("admin"), 900u);
  EXPECT_EQ(settings.role_limits.at("supervisor"), 300u);
}

TEST(RatelimitSettings, EnvironmentOverridesFileRole) {
  ratelimit_settings settings = load("[ratelimit.roles]\nagent-writer = 40\n",
                                     {{"MEMGOV_RATELIMIT_ROLES_AGENT_WRITER", "45"}});
  EXPECT_EQ(settings.role_limits.at("agent-writer"), 45u);
}

TEST(RatelimitSettings, ConflictingSpellingsAreRejected) {
  std::string error = error_of("[ratelimit.roles]\nagent-writer = 40\nagent_writer = 41\n", {});
  EXPECT_NE(error.find("agent-writer"), std::string::npos) << error;
  EXPECT_NE(error.find("agent_writer"), std::string::npos) << error;
}

TEST(RatelimitSettings, BadValuesNameTheSetting) {
  EXPECT_NE(
      error_of("[ratelimit.roles]\nsupervisor = lots\n", {}).find("ratelimit.roles.supervisor"),
      std::string::npos);
  EXPECT_NE(
      error_of("", {{"MEMGOV_RATELIMIT_WINDOW_SECONDS", "0"}}).find("ratelimit.window_seconds"),
      std::string::npos);
  EXPECT_NE(error_of("", {{"MEMGOV_RATELIMIT_BIND", "127.0.0.1:7200"}}).find("ratelimit.bind"),
            std::string::npos);
  EXPECT_NE(error_of("", {{"MEMGOV_RATELIMIT_METRICS_LISTEN", "nowhere"}})
                .find("ratelimit.metrics_listen"),
            std::string::npos);
}

}  // namespace
}  // namespace memgov::ratelimit
