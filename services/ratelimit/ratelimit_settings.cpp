#include "ratelimit_settings.hpp"

#include <stdexcept>

#include "role_limits.hpp"
#include "transport/endpoint.hpp"

namespace memgov::ratelimit {
namespace {

constexpr std::int64_t kMaxLimit = 1'000'000;
constexpr std::uint32_t kAdminLimit = 500;

std::string setting_name(const std::string& key) {
  return key + " (" + config::settings_source::variable_for(key) + ")";
}

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

// Tenant ids are compared exactly, unlike role names: X-Tenant-Id values are case-sensitive.
std::map<std::string, std::uint32_t> load_tenant_limits(const config::settings_source& source) {
  std::map<std::string, std::uint32_t> limits;
  for (const auto& [tenant, text] : source.section("ratelimit.tenants")) {
    std::string setting = "ratelimit.tenants." + tenant;
    limits[tenant] = static_cast<std::uint32_t>(source.get_int(setting, 0, 0, kMaxLimit));
  }
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
    throw config::settings_error(setting_name(key) + ": " + e.what());
  }
  return text;
}

std::chrono::milliseconds load_milliseconds(const config::settings_source& source,
                                            const std::string& key, std::int64_t fallback) {
  return std::chrono::milliseconds(source.get_int(key, fallback, 1, 60000));
}

// Chooses the backend: the explicit setting, else redis when a Redis URL is set.
void load_backend(const config::settings_source& source, ratelimit_settings& settings) {
  settings.redis_url = source.get_string("ratelimit.redis_url", "");
  std::optional<std::string> backend = source.find("ratelimit.backend");
  if (!backend) {
    settings.backend = settings.redis_url.empty() ? backend_kind::memory : backend_kind::redis;
  } else if (*backend == "memory") {
    settings.backend = backend_kind::memory;
  } else if (*backend == "redis") {
    settings.backend = backend_kind::redis;
  } else {
    throw config::settings_error(setting_name("ratelimit.backend") + ": '" + *backend +
                                 "' is not a backend; use memory or redis");
  }
  if (settings.backend == backend_kind::redis && settings.redis_url.empty()) {
    throw config::settings_error(
        setting_name("ratelimit.backend") +
        ": redis needs a Redis URL; set REDIS_URL or ratelimit.redis_url (MEMGOV_RATELIMIT_"
        "REDIS_URL), e.g. redis://127.0.0.1:6379/0");
  }
  if (!settings.redis_url.empty()) {
    try {
      settings.redis = parse_redis_url(settings.redis_url);
    } catch (const std::invalid_argument& e) {
      throw config::settings_error(
          "ratelimit.redis_url (MEMGOV_RATELIMIT_REDIS_URL or "
          "REDIS_URL): " +
          std::string(e.what()));
    }
  }
}

void load_redis_options(const config::settings_source& source, ratelimit_settings& settings) {
  settings.redis_timeout = load_milliseconds(source, "ratelimit.redis_timeout_ms", 50);
  std::string mode = source.get_string("ratelimit.redis_failure_mode", "closed");
  if (mode == "closed") {
    settings.redis_failure_mode = failure_mode::closed;
  } else if (mode == "local") {
    settings.redis_failure_mode = failure_mode::local;
  } else {
    throw config::settings_error(setting_name("ratelimit.redis_failure_mode") + ": '" + mode +
                                 "' is not a failure mode; use closed or local");
  }
  settings.redis_connections =
      static_cast<int>(source.get_int("ratelimit.redis_connections", 1, 1, 16));
  settings.redis_pipeline_depth =
      static_cast<std::size_t>(source.get_int("ratelimit.redis_pipeline_depth", 1, 1, 64));
  settings.redis_batch_max =
      static_cast<std::size_t>(source.get_int("ratelimit.redis_batch_max", 512, 1, 100000));
  settings.redis_queue_timeout = load_milliseconds(source, "ratelimit.redis_queue_timeout_ms", 250);
  settings.redis_key_prefix = source.get_string("ratelimit.redis_key_prefix", "memgov:ratelimit:");
}

}  // namespace

const char* to_string(backend_kind kind) {
  return kind == backend_kind::redis ? "redis" : "memory";
}

const char* to_string(failure_mode mode) {
  return mode == failure_mode::local ? "local" : "closed";
}

bool operator==(const limit_settings& left, const limit_settings& right) {
  return left.default_limit == right.default_limit && left.role_limits == right.role_limits &&
         left.tenant_limits == right.tenant_limits;
}

ratelimit_settings load_ratelimit_settings(const config::settings_source& shared_source) {
  config::settings_source source = shared_source;
  source.add_alias("ratelimit.redis_url", "REDIS_URL");

  ratelimit_settings settings;
  settings.bind = load_endpoint(source, "ratelimit.bind", "tcp://127.0.0.1:7200-7207", true);
  settings.metrics_listen =
      load_endpoint(source, "ratelimit.metrics_listen", "127.0.0.1:9480-9487", false);
  settings.window = std::chrono::seconds(source.get_int("ratelimit.window_seconds", 60, 1, 86400));
  settings.limits.default_limit =
      static_cast<std::uint32_t>(source.get_int("ratelimit.default_limit", 100, 0, kMaxLimit));
  settings.limits.role_limits = load_role_limits(source);
  settings.limits.tenant_limits = load_tenant_limits(source);

  load_backend(source, settings);
  settings.shards = static_cast<int>(source.get_int("ratelimit.shards", 2, 1, 64));
  settings.max_keys =
      static_cast<std::size_t>(source.get_int("ratelimit.max_keys", 500000, 1, 100'000'000));
  settings.sweep_interval =
      std::chrono::seconds(source.get_int("ratelimit.sweep_interval_seconds", 5, 1, 3600));
  load_redis_options(source, settings);
  return settings;
}

}  // namespace memgov::ratelimit
