#include "ingress_settings.hpp"

#include <gtest/gtest.h>

#include <string>

namespace memgov::ingress {
namespace {

using config::settings_error;
using config::settings_source;

TEST(IngressSettings, Defaults) {
  ingress_settings settings = load_ingress_settings(settings_source::from_text("", {}));
  EXPECT_EQ(settings.listen, "127.0.0.1:9000");
  EXPECT_EQ(settings.metrics_listen, "127.0.0.1:9460-9463");
  EXPECT_EQ(settings.mem0_url.host, "127.0.0.1");
  EXPECT_EQ(settings.mem0_url.port, "8000");
  EXPECT_FALSE(settings.mem0_api_key.has_value());
  EXPECT_EQ(settings.authz_endpoints, "tcp://127.0.0.1:7100-7107");
  EXPECT_EQ(settings.stage_timeout.count(), 300);
  EXPECT_EQ(settings.upstream_timeout.count(), 30000);
  EXPECT_EQ(settings.max_body_bytes, 1048576u);
  EXPECT_EQ(settings.max_header_bytes, 16384u);
  EXPECT_EQ(settings.threads, 1);
  EXPECT_EQ(settings.upstream_connections, 64);
  EXPECT_EQ(settings.max_connections, 10000);
}

TEST(IngressSettings, AliasesSetMem0UrlAndKey) {
  ingress_settings settings = load_ingress_settings(settings_source::from_text(
      "", {{"MEM0_URL", "http://mem0:8001/api"}, {"MEM0_API_KEY", "secret"}}));
  EXPECT_EQ(settings.mem0_url.host, "mem0");
  EXPECT_EQ(settings.mem0_url.port, "8001");
  EXPECT_EQ(settings.mem0_url.base_path, "/api");
  ASSERT_TRUE(settings.mem0_api_key.has_value());
  EXPECT_EQ(*settings.mem0_api_key, "secret");
}

TEST(IngressSettings, OwnVariableOverridesAlias) {
  ingress_settings settings = load_ingress_settings(settings_source::from_text(
      "", {{"MEM0_URL", "http://alias:1"}, {"MEMGOV_INGRESS_MEM0_URL", "http://own:2"}}));
  EXPECT_EQ(settings.mem0_url.host, "own");
}

TEST(IngressSettings, FileValuesAreRead) {
  ingress_settings settings = load_ingress_settings(settings_source::from_text(
      "[ingress]\nthreads = 2\nmax_body_bytes = 2048\nupstream_connections = 8\n", {}));
  EXPECT_EQ(settings.threads, 2);
  EXPECT_EQ(settings.max_body_bytes, 2048u);
  EXPECT_EQ(settings.upstream_connections, 8);
}

// Returns the message of the settings_error that loading `environment` throws, or "" if none.
std::string load_error(const std::map<std::string, std::string>& environment) {
  try {
    load_ingress_settings(settings_source::from_text("", environment));
  } catch (const settings_error& e) {
    return e.what();
  }
  return "";
}

TEST(IngressSettings, BadMem0UrlNamesTheSetting) {
  std::string error = load_error({{"MEM0_URL", "https://mem0"}});
  EXPECT_NE(error.find("ingress.mem0_url"), std::string::npos) << error;
  EXPECT_NE(error.find("MEM0_URL"), std::string::npos) << error;
}

TEST(IngressSettings, BadValuesNameTheSetting) {
  EXPECT_NE(load_error({{"MEMGOV_INGRESS_LISTEN", "nowhere"}}).find("ingress.listen"),
            std::string::npos);
  EXPECT_NE(load_error({{"MEMGOV_INGRESS_LISTEN", "127.0.0.1:1-2"}}).find("ingress.listen"),
            std::string::npos);
  EXPECT_NE(
      load_error({{"MEMGOV_INGRESS_AUTHZ_ENDPOINTS", "udp://x:1"}}).find("ingress.authz_endpoints"),
      std::string::npos);
  EXPECT_NE(load_error({{"MEMGOV_INGRESS_THREADS", "0"}}).find("ingress.threads"),
            std::string::npos);
  EXPECT_NE(load_error({{"MEMGOV_INGRESS_STAGE_TIMEOUT_MS", "x"}}).find("ingress.stage_timeout_ms"),
            std::string::npos);
}

}  // namespace
}  // namespace memgov::ingress
