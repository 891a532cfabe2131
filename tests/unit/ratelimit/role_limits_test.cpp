#include <gtest/gtest.h>

#include "role_limits.hpp"

namespace memgov::ratelimit {
namespace {

TEST(NormalizeRole, TreatsCaseAndSeparatorsAlike) {
  const std::pair<const char*, const char*> cases[] = {
      {"agent-writer", "agent-writer"},   {"Agent_Writer", "agent-writer"},
      {"AGENT_WRITER", "agent-writer"},   {"  admin ", "admin"},
      {"Super-Visor_2", "super-visor-2"}, {"", ""},
  };
  for (const auto& [input, expected] : cases) {
    EXPECT_EQ(normalize_role(input), expected) << "input '" << input << "'";
  }
}

class RoleLimitsTest : public ::testing::Test {
 protected:
  role_limits roles_{100, {{"admin", 500}, {"agent-writer", 50}, {"Supervisor", 300}}};

  std::uint32_t limit_of(const std::string& role) const { return roles_.resolve(role).limit; }
  std::string label_of(const std::string& role) const {
    return roles_.labels().at(roles_.resolve(role).label);
  }
};

TEST_F(RoleLimitsTest, LooksUpNormalizedNames) {
  EXPECT_EQ(limit_of("admin"), 500u);
  EXPECT_EQ(limit_of("ADMIN"), 500u);
  EXPECT_EQ(limit_of("agent_writer"), 50u);
  EXPECT_EQ(limit_of("Agent-Writer"), 50u);
  EXPECT_EQ(limit_of("supervisor"), 300u);
  EXPECT_EQ(label_of("SUPERVISOR"), "supervisor");
}

TEST_F(RoleLimitsTest, UnknownRoleGetsDefault) {
  EXPECT_EQ(limit_of("agent-reader"), 100u);
  EXPECT_EQ(label_of("agent-reader"), "default");
  EXPECT_EQ(limit_of(""), 100u);
  EXPECT_EQ(label_of(""), "default");
  EXPECT_EQ(limit_of("agent writer"), 100u);
}

TEST_F(RoleLimitsTest, RoleListTakesLargestConfiguredLimit) {
  EXPECT_EQ(limit_of("agent-writer,admin"), 500u);
  EXPECT_EQ(label_of("agent-writer, admin"), "admin");
  EXPECT_EQ(limit_of("agent-reader,agent_writer"), 50u);
  EXPECT_EQ(label_of("agent-reader,agent_writer"), "agent-writer");
  EXPECT_EQ(limit_of(",,"), 100u);
}

TEST_F(RoleLimitsTest, ConfiguredRoleBelowDefaultStillApplies) {
  // A configured role sets its own limit even when it is below the default.
  EXPECT_EQ(limit_of("agent-writer,unknown"), 50u);
}

TEST_F(RoleLimitsTest, LabelsStartWithDefault) {
  ASSERT_EQ(roles_.labels().size(), 4u);
  EXPECT_EQ(roles_.labels()[0], "default");
}

}  // namespace
}  // namespace memgov::ratelimit
