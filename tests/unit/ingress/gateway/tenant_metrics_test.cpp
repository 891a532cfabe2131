#include <gtest/gtest.h>

#include <map>
#include <string>

#include <prometheus/registry.h>

#include "ingress_metrics.hpp"

namespace memgov::ingress {
namespace {

// Returns the value of every memgov_ingress_tenant_requests_total series, by "tenant/decision".
std::map<std::string, double> tenant_series(prometheus::Registry& registry) {
  std::map<std::string, double> values;
  for (const auto& family : registry.Collect()) {
    if (family.name != "memgov_ingress_tenant_requests_total") {
      continue;
    }
    for (const auto& metric : family.metric) {
      std::string tenant;
      std::string decision;
      for (const auto& label : metric.label) {
        (label.name == "tenant" ? tenant : decision) = label.value;
      }
      values[tenant + "/" + decision] = metric.counter.value;
    }
  }
  return values;
}

TEST(TenantMetrics, TenantsPastTheLimitCountAsOther) {
  prometheus::Registry registry;
  ingress_metrics metrics(registry, 2);
  metrics.record_tenant_request("acme", "allow");
  metrics.record_tenant_request("globex", "deny");
  metrics.record_tenant_request("initech", "allow");
  metrics.record_tenant_request("umbrella", "allow");
  metrics.record_tenant_request("acme", "allow");

  std::map<std::string, double> expected = {
      {"acme/allow", 2}, {"globex/deny", 1}, {"other/allow", 2}};
  EXPECT_EQ(tenant_series(registry), expected);
}

TEST(TenantMetrics, EmptyTenantIsNone) {
  prometheus::Registry registry;
  ingress_metrics metrics(registry, 1);
  metrics.record_tenant_request("", "invalid_request");
  metrics.record_tenant_request("acme", "allow");

  std::map<std::string, double> expected = {{"none/invalid_request", 1}, {"acme/allow", 1}};
  EXPECT_EQ(tenant_series(registry), expected);
}

TEST(TenantMetrics, ZeroLimitCountsEveryTenantAsOther) {
  prometheus::Registry registry;
  ingress_metrics metrics(registry, 0);
  metrics.record_tenant_request("acme", "allow");

  std::map<std::string, double> expected = {{"other/allow", 1}};
  EXPECT_EQ(tenant_series(registry), expected);
}

}  // namespace
}  // namespace memgov::ingress
