#include "limit_table.hpp"

namespace memgov::ratelimit {

limit_table::limit_table(limit_settings limits, ratelimit_metrics* metrics)
    : settings_(std::move(limits)),
      roles_(settings_.default_limit, settings_.role_limits),
      tenants_(settings_.tenant_limits.begin(), settings_.tenant_limits.end()) {
  if (metrics == nullptr) {
    role_counters_.assign(roles_.labels().size(), nullptr);
    return;
  }
  for (const std::string& label : roles_.labels()) {
    role_counters_.push_back(&metrics->decisions_for(label));
  }
  tenant_counters_ = &metrics->decisions_for(tenant_label_);
}

limit_table::resolved limit_table::resolve(std::string_view tenant, std::string_view roles) const {
  if (!tenants_.empty()) {
    auto found = tenants_.find(tenant);
    if (found != tenants_.end()) {
      return {found->second, &tenant_label_, tenant_counters_};
    }
  }
  role_limits::resolved role = roles_.resolve(roles);
  return {role.limit, &roles_.labels()[role.label], role_counters_[role.label]};
}

std::string limit_table::describe() const {
  std::string text = "default=" + std::to_string(settings_.default_limit);
  for (const auto& [role, limit] : settings_.role_limits) {
    text += " " + role + "=" + std::to_string(limit);
  }
  for (const auto& [tenant, limit] : settings_.tenant_limits) {
    text += " tenant:" + tenant + "=" + std::to_string(limit);
  }
  return text;
}

}  // namespace memgov::ratelimit
