// Validated settings of the audit-sink stage, read once at start.
#pragma once

#include <chrono>
#include <cstddef>
#include <string>

#include "config/settings_source.hpp"

namespace memgov::audit {

struct audit_settings {
  // audit.bind: ZeroMQ endpoint range; a replica binds its first free port.
  // Default tcp://127.0.0.1:7300-7307.
  std::string bind;
  // audit.metrics_listen: "host:first-last" of the Prometheus endpoint.
  // Default 127.0.0.1:9490-9497.
  std::string metrics_listen;
  // audit.database_url or DATABASE_URL: libpq connection URI or key=value string.
  // Default postgresql://127.0.0.1:5432/memgov.
  std::string database_url;
  // audit.batch_max: events written in one transaction, at most. Default 2000, 1..100000.
  std::size_t batch_max = 2000;
  // audit.queue_max: events accepted and waiting for the writer, at most; an event beyond
  // it is acknowledged as not durable at once. Default 100000, 1..10000000.
  std::size_t queue_max = 100000;
  // audit.statement_timeout_ms: PostgreSQL statement_timeout of the writer's session, and
  // the base of libpq's tcp_user_timeout. Default 5000, 100..600000.
  std::chrono::milliseconds statement_timeout{5000};
  // audit.connect_timeout_seconds: libpq connect_timeout. Default 3, 1..60.
  std::chrono::seconds connect_timeout{3};
  // audit.reconnect_min_ms and audit.reconnect_max_ms: the delay before another connection
  // attempt starts at min and doubles after each failure up to max. Defaults 100 and 5000,
  // 10..600000, and min must not exceed max.
  std::chrono::milliseconds reconnect_min{100};
  std::chrono::milliseconds reconnect_max{5000};
  // audit.ping_interval_ms: an idle writer checks the connection this often. Default 2000,
  // 100..600000.
  std::chrono::milliseconds ping_interval{2000};
};

// Reads and checks every setting; throws config::settings_error naming the bad one.
audit_settings load_audit_settings(const config::settings_source& source);

// Returns `url` with any password replaced by "***", for logs.
std::string redact_database_url(const std::string& url);

}  // namespace memgov::audit
