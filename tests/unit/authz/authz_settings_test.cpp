#include "authz_settings.hpp"

#include <gtest/gtest.h>

namespace memgov::authz {
namespace {

using config::settings_error;
using config::settings_source;

TEST(AuthzSettings, Defaults) {
  authz_settings settings = load_authz_settings(settings_source::from_text("", {}));
  EXPECT_EQ(settings.bind, "tcp://127.0.0.1:7100-7107");
  EXPECT_EQ(settings.metrics_listen, "127.0.0.1:9470-9477");
  EXPECT_EQ(settings.opa.host, "127.0.0.1");
  EXPECT_EQ(settings.opa.port, "8181");
  EXPECT_EQ(settings.opa.prefix, "");
  EXPECT_EQ(settings.opa_timeout.count(), 200);
  EXPECT_EQ(settings.database_url, "postgresql://127.0.0.1:5432/memgov");
  EXPECT_EQ(settings.database_connections, 2u);
}

TEST(AuthzSettings, AliasesApply) {
  authz_settings settings = load_authz_settings(settings_source::from_text(
      "", {{"OPA_URL", "http://opa:9191/"}, {"DATABASE_URL", "postgresql://db/x"}}));
  EXPECT_EQ(settings.opa.host, "opa");
  EXPECT_EQ(settings.opa.port, "9191");
  EXPECT_EQ(settings.database_url, "postgresql://db/x");
}

TEST(AuthzSettings, OwnVariableBeatsAlias) {
  authz_settings settings = load_authz_settings(settings_source::from_text(
      "", {{"OPA_URL", "http://alias:1"}, {"MEMGOV_AUTHZ_OPA_URL", "http://own:2"}}));
  EXPECT_EQ(settings.opa.host, "own");
}

TEST(AuthzSettings, FileValuesRead) {
  authz_settings settings = load_authz_settings(
      settings_source::from_text("[authz]\nopa_timeout_ms = 50\nowner_cache_entries = 0\n", {}));
  EXPECT_EQ(settings.opa_timeout.count(), 50);
  EXPECT_EQ(settings.owner_cache_entries, 0u);
}

TEST(AuthzSettings, HttpsRejected) {
  EXPECT_THROW(load_authz_settings(settings_source::from_text("", {{"OPA_URL", "https://opa"}})),
               settings_error);
}

TEST(AuthzSettings, BadTimeoutNamesSetting) {
  try {
    load_authz_settings(settings_source::from_text("", {{"MEMGOV_AUTHZ_OPA_TIMEOUT_MS", "0"}}));
    FAIL() << "expected settings_error";
  } catch (const settings_error& e) {
    EXPECT_NE(std::string(e.what()).find("authz.opa_timeout_ms"), std::string::npos);
  }
}

TEST(AuthzSettings, BadBindNamesSetting) {
  try {
    load_authz_settings(settings_source::from_text("", {{"MEMGOV_AUTHZ_BIND", "udp://x"}}));
    FAIL() << "expected settings_error";
  } catch (const settings_error& e) {
    EXPECT_NE(std::string(e.what()).find("authz.bind"), std::string::npos);
  }
}

TEST(HttpUrl, ParsesPrefixAndDefaultPort) {
  http_url url = parse_http_url("authz.opa_url", "http://opa.internal/base/");
  EXPECT_EQ(url.host, "opa.internal");
  EXPECT_EQ(url.port, "80");
  EXPECT_EQ(url.prefix, "/base");
}

TEST(HttpUrl, RejectsBadPort) {
  EXPECT_THROW(parse_http_url("authz.opa_url", "http://opa:99999"), settings_error);
  EXPECT_THROW(parse_http_url("authz.opa_url", "http://opa:x"), settings_error);
  EXPECT_THROW(parse_http_url("authz.opa_url", "http://:8181"), settings_error);
  EXPECT_THROW(parse_http_url("authz.opa_url", "http://opa:99999999999"), settings_error);
}

TEST(HttpUrl, ParsesIpv6Literal) {
  http_url url = parse_http_url("authz.opa_url", "http://[::1]:8181");
  EXPECT_EQ(url.host, "::1");
  EXPECT_EQ(url.port, "8181");
}

TEST(HttpUrl, RejectsQuery) {
  EXPECT_THROW(parse_http_url("authz.opa_url", "http://opa:8181/x?y=1"), settings_error);
}

}  // namespace
}  // namespace memgov::authz
