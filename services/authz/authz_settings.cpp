#include "authz_settings.hpp"

#include <cctype>
#include <stdexcept>

#include "transport/endpoint.hpp"

namespace memgov::authz {
namespace {

bool all_digits(const std::string& text) {
  if (text.empty())
    return false;
  for (unsigned char c : text) {
    if (!std::isdigit(c))
      return false;
  }
  return true;
}

}  // namespace

http_url parse_http_url(const std::string& setting, const std::string& text) {
  const std::string scheme = "http://";
  auto fail = [&](const std::string& why) {
    return config::settings_error(setting + " (" + config::settings_source::variable_for(setting) +
                                  "): '" + text + "' " + why);
  };
  if (text.compare(0, scheme.size(), scheme) != 0) {
    throw fail("is not an http:// URL (https is not supported)");
  }

  std::string rest = text.substr(scheme.size());
  std::string authority = rest.substr(0, rest.find('/'));
  http_url url;
  if (authority.size() < rest.size()) {
    url.prefix = rest.substr(authority.size());
    while (!url.prefix.empty() && url.prefix.back() == '/') {
      url.prefix.pop_back();
    }
  }
  if (url.prefix.find_first_of("?#") != std::string::npos) {
    throw fail("has a query or fragment");
  }
  if (authority.find('@') != std::string::npos) {
    throw fail("has user information, which OPA URLs do not use");
  }

  // An IPv6 literal is written in brackets: http://[::1]:8181.
  std::size_t host_end = authority.rfind(']');
  std::size_t colon = authority.find(':', host_end == std::string::npos ? 0 : host_end);
  url.host = authority.substr(0, colon);
  url.port = colon == std::string::npos ? "80" : authority.substr(colon + 1);
  if (url.host.size() >= 2 && url.host.front() == '[' && url.host.back() == ']') {
    url.host = url.host.substr(1, url.host.size() - 2);
  }
  if (url.host.empty()) {
    throw fail("has no host");
  }
  if (!all_digits(url.port) || url.port.size() > 5 || std::stoi(url.port) < 1 ||
      std::stoi(url.port) > 65535) {
    throw fail("has an invalid port");
  }
  return url;
}

authz_settings load_authz_settings(const config::settings_source& original) {
  config::settings_source source = original;
  source.add_alias("authz.opa_url", "OPA_URL");
  source.add_alias("authz.database_url", "DATABASE_URL");

  authz_settings settings;
  settings.bind = source.get_string("authz.bind", "tcp://127.0.0.1:7100-7107");
  settings.metrics_listen = source.get_string("authz.metrics_listen", "127.0.0.1:9470-9477");
  try {
    transport::parse_tcp_endpoint(settings.bind);
  } catch (const std::invalid_argument& e) {
    throw config::settings_error(std::string("authz.bind (MEMGOV_AUTHZ_BIND): ") + e.what());
  }
  try {
    transport::parse_host_port_range(settings.metrics_listen);
  } catch (const std::invalid_argument& e) {
    throw config::settings_error(
        std::string("authz.metrics_listen (MEMGOV_AUTHZ_METRICS_LISTEN): ") + e.what());
  }
  settings.opa_url = source.get_string("authz.opa_url", "http://127.0.0.1:8181");
  settings.opa = parse_http_url("authz.opa_url", settings.opa_url);
  settings.opa_timeout =
      std::chrono::milliseconds(source.get_int("authz.opa_timeout_ms", 200, 1, 60000));
  settings.opa_connections =
      static_cast<std::size_t>(source.get_int("authz.opa_connections", 4, 1, 64));
  settings.database_url =
      source.get_string("authz.database_url", "postgresql://127.0.0.1:5432/memgov");
  if (settings.database_url.empty()) {
    throw config::settings_error(
        "authz.database_url (MEMGOV_AUTHZ_DATABASE_URL or DATABASE_URL) "
        "is empty: expected a PostgreSQL URL");
  }
  settings.database_connections =
      static_cast<std::size_t>(source.get_int("authz.database_connections", 2, 1, 16));
  settings.database_timeout =
      std::chrono::milliseconds(source.get_int("authz.database_timeout_ms", 250, 10, 60000));
  settings.owner_cache_entries =
      static_cast<std::size_t>(source.get_int("authz.owner_cache_entries", 100000, 0, 10000000));
  settings.decision_cache_ttl =
      std::chrono::milliseconds(source.get_int("authz.decision_cache_ttl_ms", 1000, 0, 60000));
  settings.decision_cache_entries =
      static_cast<std::size_t>(source.get_int("authz.decision_cache_entries", 10000, 1, 1000000));
  return settings;
}

}  // namespace memgov::authz
