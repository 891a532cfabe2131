// The SIGHUP reload: new limits apply at once, bad settings keep the old ones.
#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>

#include <prometheus/registry.h>

#include "limits_reload.hpp"

namespace memgov::ratelimit {
namespace {

config::settings_source source(const std::string& file,
                               const std::map<std::string, std::string>& env = {}) {
  return config::settings_source::from_text(file, env);
}

class LimitsReloadTest : public ::testing::Test {
 protected:
  void SetUp() override {
    running_ = load_ratelimit_settings(source("[ratelimit.roles]\nagent-reader = 3\n"));
    holder_ = std::make_unique<limits_holder>(
        std::make_shared<const limit_table>(running_.limits, &metrics_));
  }

  std::uint32_t limit_of(const std::string& tenant, const std::string& role) const {
    return holder_->current()->resolve(tenant, role).limit;
  }

  double reloads(const std::string& result) {
    for (const prometheus::MetricFamily& family : registry_.Collect()) {
      if (family.name != "memgov_ratelimit_config_reloads_total") {
        continue;
      }
      for (const prometheus::ClientMetric& metric : family.metric) {
        if (metric.label.at(0).value == result) {
          return metric.counter.value;
        }
      }
    }
    return -1;
  }

  prometheus::Registry registry_;
  ratelimit_metrics metrics_{registry_, 1};
  ratelimit_settings running_;
  std::unique_ptr<limits_holder> holder_;
};

TEST_F(LimitsReloadTest, AppliesNewLimits) {
  reload_result result =
      reload_limits(running_,
                    source("[ratelimit]\ndefault_limit = 20\n[ratelimit.roles]\nagent-reader = 6\n"
                           "[ratelimit.tenants]\nhooli = 2\n"),
                    *holder_, &metrics_);
  EXPECT_EQ(result.status, reload_status::applied);
  EXPECT_TRUE(result.restart_only.empty());
  EXPECT_EQ(limit_of("acme", "agent-reader"), 6u);
  EXPECT_EQ(limit_of("acme", "agent-writer"), 20u);
  EXPECT_EQ(limit_of("acme", "admin"), 500u);
  EXPECT_EQ(limit_of("hooli", "admin"), 2u);
}

TEST_F(LimitsReloadTest, EnvironmentStillWins) {
  reload_result result = reload_limits(running_,
                                       source("[ratelimit.roles]\nagent-reader = 6\n",
                                              {{"MEMGOV_RATELIMIT_ROLES_AGENT_READER", "9"}}),
                                       *holder_, &metrics_);
  EXPECT_EQ(result.status, reload_status::applied);
  EXPECT_EQ(limit_of("acme", "agent-reader"), 9u);
}

TEST_F(LimitsReloadTest, SameLimitsAreUnchanged) {
  auto before = holder_->current();
  reload_result result =
      reload_limits(running_, source("[ratelimit.roles]\nagent-reader = 3\n"), *holder_, &metrics_);
  EXPECT_EQ(result.status, reload_status::unchanged);
  EXPECT_EQ(holder_->current(), before);
}

TEST_F(LimitsReloadTest, BadSettingsKeepOldLimits) {
  auto before = holder_->current();
  reload_result result = reload_limits(running_, source("[ratelimit.roles]\nagent-reader = lots\n"),
                                       *holder_, &metrics_);
  EXPECT_EQ(result.status, reload_status::error);
  EXPECT_NE(result.error.find("ratelimit.roles.agent-reader"), std::string::npos) << result.error;
  EXPECT_EQ(holder_->current(), before);
  EXPECT_EQ(limit_of("acme", "agent-reader"), 3u);
}

TEST_F(LimitsReloadTest, BadOtherSettingRejectsWholeFile) {
  // The limits in the file are fine, but a file that would not start the stage is not used.
  reload_result result = reload_limits(
      running_, source("[ratelimit]\nwindow_seconds = 0\n[ratelimit.roles]\nagent-reader = 6\n"),
      *holder_, &metrics_);
  EXPECT_EQ(result.status, reload_status::error);
  EXPECT_EQ(limit_of("acme", "agent-reader"), 3u);
}

TEST_F(LimitsReloadTest, ListsRestartOnlyChanges) {
  reload_result result = reload_limits(
      running_,
      source("[ratelimit]\nwindow_seconds = 30\nshards = 4\n[ratelimit.roles]\nagent-reader = 4\n"),
      *holder_, &metrics_);
  EXPECT_EQ(result.status, reload_status::applied);
  EXPECT_EQ(result.restart_only,
            (std::vector<std::string>{"ratelimit.window_seconds", "ratelimit.shards"}));
  EXPECT_EQ(limit_of("acme", "agent-reader"), 4u);
}

TEST_F(LimitsReloadTest, RereadsConfigFile) {
  std::string path =
      ::testing::TempDir() + "ratelimit_reload_" + std::to_string(::getpid()) + ".ini";
  auto write = [&path](const std::string& text) {
    std::ofstream file(path, std::ios::trunc);
    file << text;
  };
  ::setenv("MEMGOV_CONFIG", path.c_str(), 1);

  write("[ratelimit.roles]\nagent-reader = 7\n");
  EXPECT_EQ(reload_from_environment(running_, *holder_, metrics_).status, reload_status::applied);
  EXPECT_EQ(limit_of("acme", "agent-reader"), 7u);

  write("[ratelimit.roles\nagent-reader = 8\n");
  reload_result broken = reload_from_environment(running_, *holder_, metrics_);
  EXPECT_EQ(broken.status, reload_status::error);
  EXPECT_NE(broken.error.find("closing ']'"), std::string::npos) << broken.error;
  EXPECT_EQ(limit_of("acme", "agent-reader"), 7u);

  std::remove(path.c_str());
  reload_result missing = reload_from_environment(running_, *holder_, metrics_);
  EXPECT_EQ(missing.status, reload_status::error);
  EXPECT_NE(missing.error.find("MEMGOV_CONFIG"), std::string::npos) << missing.error;
  EXPECT_EQ(limit_of("acme", "agent-reader"), 7u);
  ::unsetenv("MEMGOV_CONFIG");

  EXPECT_EQ(reloads("applied"), 1);
  EXPECT_EQ(reloads("error"), 2);
}

}  // namespace
}  // namespace memgov::ratelimit
