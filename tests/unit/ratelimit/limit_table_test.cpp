#include <gtest/gtest.h>

#include <prometheus/registry.h>

#include "limit_table.hpp"

namespace memgov::ratelimit {
namespace {

limit_settings example_limits() {
  limit_settings limits;
  limits.default_limit = 100;
  limits.role_limits = {{"admin", 500}, {"agent-writer", 50}};
  limits.tenant_limits = {{"acme-corp", 1000}, {"Globex", 5}};
  return limits;
}

TEST(LimitTable, TenantOverrideReplacesRoleLimit) {
  limit_table table(example_limits(), nullptr);
  limit_table::resolved resolved = table.resolve("acme-corp", "agent-writer");
  EXPECT_EQ(resolved.limit, 1000u);
  EXPECT_EQ(*resolved.label, kTenantOverrideLabel);
  // Also for a role with a larger limit than the tenant's.
  EXPECT_EQ(table.resolve("Globex", "admin").limit, 5u);
}

TEST(LimitTable, TenantsMatchExactly) {
  limit_table table(example_limits(), nullptr);
  EXPECT_EQ(table.resolve("ACME-CORP", "agent-writer").limit, 50u);
  EXPECT_EQ(table.resolve("globex", "admin").limit, 500u);
  EXPECT_EQ(table.resolve("acme-corp ", "").limit, 100u);
}

TEST(LimitTable, RolesThenDefault) {
  limit_table table(example_limits(), nullptr);
  limit_table::resolved writer = table.resolve("initech", "Agent_Writer");
  EXPECT_EQ(writer.limit, 50u);
  EXPECT_EQ(*writer.label, "agent-writer");
  limit_table::resolved reader = table.resolve("initech", "agent-reader");
  EXPECT_EQ(reader.limit, 100u);
  EXPECT_EQ(*reader.label, "default");
  EXPECT_EQ(reader.counters, nullptr);
}

TEST(LimitTable, CountersByLabel) {
  prometheus::Registry registry;
  ratelimit_metrics metrics(registry, 1);
  limit_table table(example_limits(), &metrics);
  limit_table::resolved tenant = table.resolve("acme-corp", "admin");
  limit_table::resolved admin = table.resolve("initech", "admin");
  ASSERT_NE(tenant.counters, nullptr);
  ASSERT_NE(admin.counters, nullptr);
  ratelimit_metrics::count_decision(*tenant.counters, outcome::allowed);
  ratelimit_metrics::count_decision(*admin.counters, outcome::store_unavailable);
  ratelimit_metrics::count_decision(*admin.counters, outcome::store_unavailable);
  EXPECT_EQ((*tenant.counters)[static_cast<std::size_t>(outcome::allowed)]->Value(), 1);
  EXPECT_EQ((*admin.counters)[static_cast<std::size_t>(outcome::store_unavailable)]->Value(), 2);
  // A second table (a reload) shares the counters of the labels it keeps.
  limit_table reloaded(example_limits(), &metrics);
  EXPECT_EQ(reloaded.resolve("initech", "admin").counters, admin.counters);
}

TEST(LimitTable, DescribeListsEveryLimit) {
  limit_table table(example_limits(), nullptr);
  EXPECT_EQ(table.describe(),
            "default=100 admin=500 agent-writer=50 tenant:Globex=5 tenant:acme-corp=1000");
}

}  // namespace
}  // namespace memgov::ratelimit
