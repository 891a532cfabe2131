#include "config/settings_source.hpp"

#include <gtest/gtest.h>

namespace memgov::config {
namespace {

TEST(SettingsSource, ReadsSectionedFileValues) {
  auto source = settings_source::from_text("# comment\n[ingress]\nlisten = 0.0.0.0:9000\n", {});
  EXPECT_EQ(source.get_string("ingress.listen", ""), "0.0.0.0:9000");
}

TEST(SettingsSource, EnvironmentOverridesFile) {
  auto source =
      settings_source::from_text("[ingress]\nlisten = a:1\n", {{"MEMGOV_INGRESS_LISTEN", "b:2"}});
  EXPECT_EQ(source.get_string("ingress.listen", ""), "b:2");
}

TEST(SettingsSource, AliasHasLowerPriorityThanOwnVariable) {
  auto source = settings_source::from_text(
      "", {{"MEM0_URL", "http://alias"}, {"MEMGOV_INGRESS_MEM0_URL", "http://own"}});
  source.add_alias("ingress.mem0_url", "MEM0_URL");
  EXPECT_EQ(source.get_string("ingress.mem0_url", ""), "http://own");

  auto alias_only = settings_source::from_text("", {{"MEM0_URL", "http://alias"}});
  alias_only.add_alias("ingress.mem0_url", "MEM0_URL");
  EXPECT_EQ(alias_only.get_string("ingress.mem0_url", ""), "http://alias");
}

TEST(SettingsSource, FallbackWhenUnset) {
  auto source = settings_source::from_text("", {});
  EXPECT_EQ(source.get_int("ratelimit.window_seconds", 60, 1, 3600), 60);
  EXPECT_TRUE(source.get_bool("x.y", true));
}

TEST(SettingsSource, InvalidIntegerNamesTheSetting) {
  auto source = settings_source::from_text("", {{"MEMGOV_RATELIMIT_WINDOW_SECONDS", "12x"}});
  try {
    source.get_int("ratelimit.window_seconds", 60, 1, 3600);
    FAIL() << "expected settings_error";
  } catch (const settings_error& e) {
    EXPECT_NE(std::string(e.what()).find("MEMGOV_RATELIMIT_WINDOW_SECONDS"), std::string::npos)
        << e.what();
  }
}

TEST(SettingsSource, IntegerOutsideRangeIsRejected) {
  auto source = settings_source::from_text("[a]\nb = 0\n", {});
  EXPECT_THROW(source.get_int("a.b", 5, 1, 10), settings_error);
}

TEST(SettingsSource, InvalidBooleanIsRejected) {
  auto source = settings_source::from_text("[a]\nb = maybe\n", {});
  EXPECT_THROW(source.get_bool("a.b", false), settings_error);
}

TEST(SettingsSource, MalformedLineIsRejected) {
  EXPECT_THROW(settings_source::from_text("[a]\njust words\n", {}), settings_error);
  EXPECT_THROW(settings_source::from_text("[a\nb = 1\n", {}), settings_error);
}

TEST(SettingsSource, SectionMergesFileAndEnvironment) {
  auto source = settings_source::from_text("[ratelimit.roles]\nadmin = 500\nagent-writer = 50\n",
                                           {{"MEMGOV_RATELIMIT_ROLES_AGENT_WRITER", "70"},
                                            {"MEMGOV_RATELIMIT_ROLES_SUPERVISOR", "300"}});
  auto roles = source.section("ratelimit.roles");
  ASSERT_EQ(roles.size(), 3u);
  EXPECT_EQ(roles["admin"], "500");
  EXPECT_EQ(roles["agent-writer"], "70");
  EXPECT_EQ(roles["supervisor"], "300");
}

}  // namespace
}  // namespace memgov::config
