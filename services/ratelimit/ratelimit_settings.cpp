#include "ratelimit_settings.hpp"

#include <stdexcept>

#include "role_limits.hpp"
#include "transport/endpoint.hpp"

namespace memgov::ratelimit {
namespace {

constexpr std::int64_t kMaxLimit = 1'000'000;
constexpr std::uint32_t kAdminLimit = 500;

std::map<std::string, std::uint32_t> load_role_limits(const config::settings_source& source) {
  std::map<std::string, std::uint32_t> limits;
  std::map<std::string, std::string> spelled_as;  // normalized name -> key as written
  for (const auto& [key, text] : source.section("ratelimit.roles")) {
    std::string setting = "ratelimit.roles." + key;
    std::string role = normalize_role(key);
    if (role.empty()) {
      throw config::settings_error(setting + ": the role name is empty");
    }
    auto limit = static_cast<std::uint32_t>(source.get_int(setting, 0, 0, kMaxLimit));
    auto [earlier, inserted] = spelled_as.emplace(role, key);
    if (!inserted && limits[role] != limit) {
      throw config::settings_error(setting + " and ratelimit.roles." + earlier->second +
                                   " name the same role '" + role +
                                   "' with different limits; keep one of them");
    }
    limits[role] = limit;
  }
  limits.emplace("admin", kAdminLimit);
  return limits;
}

std::string load_endpoint(const config::settings_source& source, const std::string& key,
                          const std::string& fallback, bool with_scheme) {
  std::string text = source.get_string(key, fallback);
  try {
    if (with_scheme) {
      transport::parse_tcp_endpoint(text);
    } else {
      transport::parse_host_port_range(text);
    }
  } catch (const std::invalid_argument& e) {
    throw config::settings_error(key + " (" + config::settings_source::variable_for(key) +
                                 "): " + e.what());
  }
  return text;
}

}  // namespace

ratelimit_settings load_ratelimit_settings(const config::settings_source& source) {
  ratelimit_settings settings;
  settings.bind = load_endpoint(source, "ratelimit.bind", "tcp://127.0.0.1:7200-7207", true);
  settings.metrics_listen =
      load_endpoint(source, "ratelimit.metrics_listen", "127.0.0.1:9480-9487", false);
  settings.window = std::chrono::seconds(source.get_int("ratelimit.window_seconds", 60, 1, 86400));
  settings.default_limit =
      static_cast<std::uint32_t>(source.get_int("ratelimit.default_limit", 100, 0, kMaxLimit));
  settings.role_limits = load_role_limits(source);
  settings.shards = static_cast<int>(source.get_int("ratelimit.shards", 2, 1, 64));
  settings.max_keys =
      static_cast<std::size_t>(source.get_int("ratelimit.max_keys", 500000, 1, 100'000'000));
  settings.sweep_interval =
      std::chrono::seconds(source.get_int("ratelimit.sweep_interval_seconds", 5, 1, 3600));
  return settings;
}

}  // namespace memgov::ratelimit
