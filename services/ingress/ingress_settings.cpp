#include "ingress_settings.hpp"

#include <stdexcept>

#include "transport/endpoint.hpp"

namespace memgov::ingress {
namespace {

std::string setting_name(const std::string& key) {
  return key + " (" + config::settings_source::variable_for(key) + ")";
}

std::chrono::milliseconds get_milliseconds(const config::settings_source& source,
                                           const std::string& key, std::int64_t fallback,
                                           std::int64_t min, std::int64_t max) {
  return std::chrono::milliseconds(source.get_int(key, fallback, min, max));
}

// Checks that an endpoint list parses now, so a typo stops the start instead of leaving a stage
// unreachable forever.
std::string get_endpoints(const config::settings_source& source, const std::string& key,
                          const std::string& fallback) {
  std::string text = source.get_string(key, fallback);
  try {
    transport::parse_endpoint_list(text);
  } catch (const std::invalid_argument& e) {
    throw config::settings_error(setting_name(key) + ": " + e.what());
  }
  return text;
}

std::string get_listen(const config::settings_source& source, const std::string& key,
                       const std::string& fallback, bool allow_range) {
  std::string text = source.get_string(key, fallback);
  try {
    transport::host_port_range range = transport::parse_host_port_range(text);
    if (!allow_range && range.first_port != range.last_port)
      throw std::invalid_argument("expected one port, got the range '" + text + "'");
  } catch (const std::invalid_argument& e) {
    throw config::settings_error(setting_name(key) + ": " + e.what());
  }
  return text;
}

}  // namespace

ingress_settings load_ingress_settings(const config::settings_source& settings) {
  config::settings_source source = settings;
  source.add_alias("ingress.mem0_url", "MEM0_URL");
  source.add_alias("ingress.mem0_api_key", "MEM0_API_KEY");

  ingress_settings result;
  result.listen = get_listen(source, "ingress.listen", "127.0.0.1:9000", false);
  result.metrics_listen = get_listen(source, "ingress.metrics_listen", "127.0.0.1:9460-9463", true);

  std::string url_text = source.get_string("ingress.mem0_url", "http://127.0.0.1:8000");
  try {
    result.mem0_url = upstream::parse_upstream_url(url_text);
  } catch (const std::invalid_argument& e) {
    throw config::settings_error(setting_name("ingress.mem0_url") + " or MEM0_URL: " + e.what());
  }
  result.mem0_api_key = source.find("ingress.mem0_api_key");
  if (result.mem0_api_key && result.mem0_api_key->empty())
    result.mem0_api_key.reset();
  if (result.mem0_api_key && result.mem0_api_key->find_first_of("\r\n") != std::string::npos) {
    throw config::settings_error(setting_name("ingress.mem0_api_key") +
                                 " or MEM0_API_KEY: contains a line break");
  }

  result.authz_endpoints =
      get_endpoints(source, "ingress.authz_endpoints", "tcp://127.0.0.1:7100-7107");
  result.ratelimit_endpoints =
      get_endpoints(source, "ingress.ratelimit_endpoints", "tcp://127.0.0.1:7200-7207");
  result.audit_endpoints =
      get_endpoints(source, "ingress.audit_endpoints", "tcp://127.0.0.1:7300-7307");

  result.stage_timeout = get_milliseconds(source, "ingress.stage_timeout_ms", 300, 1, 60000);
  result.stage_retries = static_cast<int>(source.get_int("ingress.stage_retries", 1, 0, 5));
  result.upstream_timeout =
      get_milliseconds(source, "ingress.upstream_timeout_ms", 30000, 1, 3600 * 1000);
  result.upstream_connections =
      static_cast<int>(source.get_int("ingress.upstream_connections", 64, 1, 100000));
  result.upstream_idle_timeout =
      get_milliseconds(source, "ingress.upstream_idle_timeout_ms", 4000, 1, 3600 * 1000);
  result.upstream_max_body_bytes = static_cast<std::size_t>(source.get_int(
      "ingress.upstream_max_body_bytes", 64 * 1024 * 1024, 1024, std::int64_t{1} << 32));
  result.max_body_bytes = static_cast<std::size_t>(
      source.get_int("ingress.max_body_bytes", 1024 * 1024, 0, std::int64_t{1} << 32));
  result.max_header_bytes = static_cast<std::size_t>(
      source.get_int("ingress.max_header_bytes", 16 * 1024, 1024, 1024 * 1024));
  result.threads = static_cast<int>(source.get_int("ingress.threads", 1, 1, 256));
  result.client_timeout =
      get_milliseconds(source, "ingress.client_timeout_ms", 30000, 1, 3600 * 1000);
  result.idle_timeout = get_milliseconds(source, "ingress.idle_timeout_ms", 60000, 1, 3600 * 1000);
  result.max_connections =
      static_cast<int>(source.get_int("ingress.max_connections", 10000, 1, 10000000));
  result.shutdown_grace =
      get_milliseconds(source, "ingress.shutdown_grace_ms", 5000, 0, 600 * 1000);
  result.audit_fail_open_reads = source.get_bool("ingress.audit_fail_open_reads", false);
  result.access_log = source.get_bool("ingress.access_log", true);
  result.tenant_label_limit =
      static_cast<std::size_t>(source.get_int("ingress.tenant_label_limit", 100, 0, 10000));
  return result;
}

}  // namespace memgov::ingress
