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
  EXPECT_EQ(settings.limits.default_limit, 100u);
  ASSERT_EQ(settings.limits.role_limits.size(), 1u);
  EXPECT_EQ(settings.limits.role_limits.at("admin"), 500u);
  EXPECT_EQ(settings.shards, 2);
  EXPECT_TRUE(settings.limits.tenant_limits.empty());
  EXPECT_EQ(settings.backend, backend_kind::memory);
  EXPECT_EQ(settings.redis_timeout, std::chrono::milliseconds(50));
  EXPECT_EQ(settings.redis_failure_mode, failure_mode::closed);
  EXPECT_EQ(settings.redis_connections, 1);
  EXPECT_EQ(settings.redis_pipeline_depth, 1u);
  EXPECT_EQ(settings.redis_batch_max, 512u);
  EXPECT_EQ(settings.redis_queue_timeout, std::chrono::milliseconds(250));
  EXPECT_EQ(settings.redis_key_prefix, "memgov:ratelimit:");
}

TEST(RatelimitSettings, RolesFromFileAndEnvironment) {
  ratelimit_settings settings = load(
      "[ratelimit]\nwindow_seconds = 30\n[ratelimit.roles]\nAgent_Writer = 40\nadmin = 900\n",
      {{"MEMGOV_RATELIMIT_ROLES_SUPERVISOR", "300"}, {"MEMGOV_RATELIMIT_DEFAULT_LIMIT", "10"}});
  EXPECT_EQ(settings.window, std::chrono::seconds(30));
  EXPECT_EQ(settings.limits.default_limit, 10u);
  EXPECT_EQ(settings.limits.role_limits.at("agent-writer"), 40u);
  EXPECT_EQ(settings.limits.role_limits.at("admin"), 900u);
  EXPECT_EQ(settings.limits.role_limits.at("supervisor"), 300u);
}

TEST(RatelimitSettings, EnvironmentOverridesFileRole) {
  ratelimit_settings settings = load("[ratelimit.roles]\nagent-writer = 40\n",
                                     {{"MEMGOV_RATELIMIT_ROLES_AGENT_WRITER", "45"}});
  EXPECT_EQ(settings.limits.role_limits.at("agent-writer"), 45u);
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

TEST(RatelimitSettings, TenantLimitsKeepTheirSpelling) {
  ratelimit_settings settings = load("[ratelimit.tenants]\nAcme-Corp = 1000\nglobex = 0\n",
                                     {{"MEMGOV_RATELIMIT_TENANTS_ACME_CORP", "1200"},
                                      {"MEMGOV_RATELIMIT_TENANTS_INITECH_LABS", "30"}});
  // The environment overrides the file entry whose name maps to the same variable. A tenant
  // named only in the environment gets its name in lower case, with '-' for '_'.
  EXPECT_EQ(settings.limits.tenant_limits.at("Acme-Corp"), 1200u);
  EXPECT_EQ(settings.limits.tenant_limits.at("globex"), 0u);
  EXPECT_EQ(settings.limits.tenant_limits.at("initech-labs"), 30u);
  EXPECT_EQ(settings.limits.tenant_limits.size(), 3u);
  EXPECT_NE(error_of("[ratelimit.tenants]\nacme = many\n", {}).find("ratelimit.tenants.acme"),
            std::string::npos);
}

TEST(RatelimitSettings, RedisUrlSelectsRedisBackend) {
  ratelimit_settings settings = load("", {{"REDIS_URL", "redis://cache.internal:6380/2"}});
  EXPECT_EQ(settings.backend, backend_kind::redis);
  EXPECT_EQ(settings.redis.host, "cache.internal");
  EXPECT_EQ(settings.redis.port, 6380);
  EXPECT_EQ(settings.redis.database, 2);

  settings = load("[ratelimit]\nredis_url = redis://127.0.0.1:6379/0\n", {});
  EXPECT_EQ(settings.backend, backend_kind::redis);
}

TEST(RatelimitSettings, OwnRedisUrlVariableWinsOverAlias) {
  ratelimit_settings settings =
      load("", {{"REDIS_URL", "redis://alias-host:6379/0"},
                {"MEMGOV_RATELIMIT_REDIS_URL", "redis://own-host:6379/0"}});
  EXPECT_EQ(settings.redis.host, "own-host");
}

TEST(RatelimitSettings, ExplicitMemoryBackendIgnoresRedisUrl) {
  ratelimit_settings settings =
      load("[ratelimit]\nbackend = memory\n", {{"REDIS_URL", "redis://127.0.0.1:6379/0"}});
  EXPECT_EQ(settings.backend, backend_kind::memory);
  EXPECT_EQ(settings.redis_url, "redis://127.0.0.1:6379/0");
}

TEST(RatelimitSettings, RedisOptionsFromFile) {
  ratelimit_settings settings = load(
      "[ratelimit]\nbackend = redis\nredis_url = redis://:pw@10.0.0.5\nredis_timeout_ms = 20\n"
      "redis_failure_mode = local\nredis_connections = 4\nredis_pipeline_depth = 8\n"
      "redis_batch_max = 64\n"
      "redis_queue_timeout_ms = 100\nredis_key_prefix = rl:\n",
      {});
  EXPECT_EQ(settings.backend, backend_kind::redis);
  EXPECT_EQ(settings.redis.password, "pw");
  EXPECT_EQ(settings.redis.port, 6379);
  EXPECT_EQ(settings.redis_timeout, std::chrono::milliseconds(20));
  EXPECT_EQ(settings.redis_failure_mode, failure_mode::local);
  EXPECT_EQ(settings.redis_connections, 4);
  EXPECT_EQ(settings.redis_pipeline_depth, 8u);
  EXPECT_EQ(settings.redis_batch_max, 64u);
  EXPECT_EQ(settings.redis_queue_timeout, std::chrono::milliseconds(100));
  EXPECT_EQ(settings.redis_key_prefix, "rl:");
}

TEST(RatelimitSettings, BadRedisSettingsNameTheSetting) {
  std::string no_url = error_of("", {{"MEMGOV_RATELIMIT_BACKEND", "redis"}});
  EXPECT_NE(no_url.find("ratelimit.backend"), std::string::npos) << no_url;
  EXPECT_NE(no_url.find("REDIS_URL"), std::string::npos) << no_url;
  EXPECT_NE(error_of("", {{"MEMGOV_RATELIMIT_BACKEND", "etcd"}}).find("memory or redis"),
            std::string::npos);
  EXPECT_NE(error_of("", {{"REDIS_URL", "http://127.0.0.1:6379"}}).find("ratelimit.redis_url"),
            std::string::npos);
  EXPECT_NE(error_of("", {{"MEMGOV_RATELIMIT_REDIS_FAILURE_MODE", "open"}})
                .find("ratelimit.redis_failure_mode"),
            std::string::npos);
  EXPECT_NE(
      error_of("", {{"MEMGOV_RATELIMIT_REDIS_TIMEOUT_MS", "0"}}).find("ratelimit.redis_timeout_ms"),
      std::string::npos);
  EXPECT_NE(error_of("", {{"MEMGOV_RATELIMIT_REDIS_CONNECTIONS", "17"}})
                .find("ratelimit.redis_connections"),
            std::string::npos);
  EXPECT_NE(error_of("", {{"MEMGOV_RATELIMIT_REDIS_PIPELINE_DEPTH", "0"}})
                .find("ratelimit.redis_pipeline_depth"),
            std::string::npos);
}

TEST(RatelimitSettings, PasswordStaysOutOfErrors) {
  std::string error = error_of("", {{"REDIS_URL", "redis://:hunter2@127.0.0.1:99999/0"}});
  EXPECT_NE(error.find("port"), std::string::npos) << error;
  EXPECT_EQ(error.find("hunter2"), std::string::npos) << error;
}

}  // namespace
}  // namespace memgov::ratelimit
