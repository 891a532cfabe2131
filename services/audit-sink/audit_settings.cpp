#include "audit_settings.hpp"

#include <regex>
#include <stdexcept>

#include "transport/endpoint.hpp"

namespace memgov::audit {
namespace {

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

std::chrono::milliseconds load_ms(const config::settings_source& source, const std::string& key,
                                  std::int64_t fallback, std::int64_t min, std::int64_t max) {
  return std::chrono::milliseconds(source.get_int(key, fallback, min, max));
}

}  // namespace

audit_settings load_audit_settings(const config::settings_source& given) {
  config::settings_source source = given;
  source.add_alias("audit.database_url", "DATABASE_URL");
  audit_settings settings;
  settings.bind = load_endpoint(source, "audit.bind", "tcp://127.0.0.1:7300-7307", true);
  settings.metrics_listen =
      load_endpoint(source, "audit.metrics_listen", "127.0.0.1:9490-9497", false);
  settings.database_url =
      source.get_string("audit.database_url", "postgresql://127.0.0.1:5432/memgov");
  if (settings.database_url.empty()) {
    throw config::settings_error(
        "audit.database_url (MEMGOV_AUDIT_DATABASE_URL or DATABASE_URL)"
        ": the database URL is empty");
  }

  settings.wal_dir = source.get_string("audit.wal_dir", "");
  if (settings.wal_dir.empty()) {
    throw config::settings_error(
        "audit.wal_dir (MEMGOV_AUDIT_WAL_DIR) is missing: set it to a directory on local disk "
        "for the audit write-ahead log");
  }
  settings.wal_budget_bytes = static_cast<std::uint64_t>(
      source.get_int("audit.wal_budget_bytes", 1LL << 30, 65536, 1LL << 50));
  settings.wal_segment_bytes = static_cast<std::uint64_t>(
      source.get_int("audit.wal_segment_bytes", 64LL << 20, 4096, 1LL << 40));
  if (settings.wal_segment_bytes > settings.wal_budget_bytes / 2) {
    throw config::settings_error(
        "audit.wal_segment_bytes (" + std::to_string(settings.wal_segment_bytes) +
        ") is more than half of audit.wal_budget_bytes (" +
        std::to_string(settings.wal_budget_bytes) +
        "); the log deletes whole segments, so it needs room for at least two");
  }

  settings.group_max =
      static_cast<std::size_t>(source.get_int("audit.group_max", 10000, 1, 1000000));
  settings.queue_max =
      static_cast<std::size_t>(source.get_int("audit.queue_max", 100000, 1, 10'000'000));
  settings.batch_max =
      static_cast<std::size_t>(source.get_int("audit.batch_max", 10000, 1, 1000000));
  settings.drain_delay = load_ms(source, "audit.drain_delay_ms", 50, 0, 10000);
  settings.checkpoint_interval = load_ms(source, "audit.checkpoint_interval_ms", 1000, 10, 600000);
  settings.partition_check_interval = std::chrono::seconds(
      source.get_int("audit.partition_check_interval_seconds", 3600, 1, 86400));

  settings.statement_timeout = load_ms(source, "audit.statement_timeout_ms", 10000, 100, 600000);
  settings.connect_timeout =
      std::chrono::seconds(source.get_int("audit.connect_timeout_seconds", 3, 1, 60));
  settings.reconnect_min = load_ms(source, "audit.reconnect_min_ms", 100, 10, 600000);
  settings.reconnect_max = load_ms(source, "audit.reconnect_max_ms", 2000, 10, 600000);
  if (settings.reconnect_min > settings.reconnect_max) {
    throw config::settings_error("audit.reconnect_min_ms (" +
                                 std::to_string(settings.reconnect_min.count()) +
                                 ") is larger than audit.reconnect_max_ms (" +
                                 std::to_string(settings.reconnect_max.count()) + ")");
  }
  settings.ping_interval = load_ms(source, "audit.ping_interval_ms", 2000, 100, 600000);
  return settings;
}

std::string redact_database_url(const std::string& url) {
  // URI form: scheme://user:password@host..., and a password=... query parameter.
  static const std::regex uri_password(R"(^([a-zA-Z][a-zA-Z0-9+.-]*://[^:/@?#]*):[^@/?#]*@)");
  static const std::regex parameter_password(R"((^|[?&\s])(password\s*=\s*)('[^']*'|[^&\s]*))");
  std::string redacted = std::regex_replace(url, uri_password, "$1:***@");
  return std::regex_replace(redacted, parameter_password, "$1$2***");
}

}  // namespace memgov::audit
