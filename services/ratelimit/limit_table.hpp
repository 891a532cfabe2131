// The limits in force: role limits, tenant overrides and the decision counters of each, as
// one immutable table. A reload builds a new table and swaps it in (limits_holder), so a
// request always reads one consistent set of limits.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "ratelimit_metrics.hpp"
#include "ratelimit_settings.hpp"
#include "role_limits.hpp"

namespace memgov::ratelimit {

// Metric label of decisions whose limit came from ratelimit.tenants. Normalized role names
// never contain '_', so no role label can be the same.
inline constexpr const char* kTenantOverrideLabel = "tenant_override";

class limit_table {
 public:
  struct resolved {
    std::uint32_t limit = 0;
    const std::string* label = nullptr;           // Role label or kTenantOverrideLabel.
    const decision_counters* counters = nullptr;  // Null when built without metrics.
  };

  // `metrics` may be null (for tests); it must outlive the table otherwise.
  limit_table(limit_settings limits, ratelimit_metrics* metrics);

  // Returns the limit of a request. Precedence: a ratelimit.tenants entry for `tenant`
  // (matched exactly), then the largest limit among the configured roles that `roles` names
  // (comma-separated), then ratelimit.default_limit.
  resolved resolve(std::string_view tenant, std::string_view roles) const;

  const limit_settings& settings() const { return settings_; }

  // Summarizes the limits for a log line: "default=100 admin=500 tenant:acme-corp=1000".
  std::string describe() const;

 private:
  limit_settings settings_;
  role_limits roles_;
  std::map<std::string, std::uint32_t, std::less<>> tenants_;
  std::vector<const decision_counters*> role_counters_;  // By role_limits label index.
  const decision_counters* tenant_counters_ = nullptr;
  std::string tenant_label_ = kTenantOverrideLabel;
};

// The current limit_table, read by the request handler on the socket thread and replaced by
// the reload on the main thread.
class limits_holder {
 public:
  explicit limits_holder(std::shared_ptr<const limit_table> initial) : table_(std::move(initial)) {}

  std::shared_ptr<const limit_table> current() const { return std::atomic_load(&table_); }
  void replace(std::shared_ptr<const limit_table> next) {
    std::atomic_store(&table_, std::move(next));
  }

 private:
  std::shared_ptr<const limit_table> table_;
};

}  // namespace memgov::ratelimit
