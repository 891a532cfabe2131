// Validated settings of the audit-sink stage, read once at start.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
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
  // audit.wal_dir: directory of the write-ahead logs; required. A sink uses the subdirectory
  // slot-<N>, N being the index of its bound port in audit.bind, so sinks on one host each
  // have their own log and a restarted sink finds its own again.
  std::string wal_dir;
  // audit.wal_budget_bytes: disk space the log of one sink may use, in bytes. Past it new
  // events are acknowledged with durable=false. Default 1073741824 (1 GiB), 65536..2^50.
  std::uint64_t wal_budget_bytes = 1ULL << 30;
  // audit.wal_segment_bytes: size after which the log starts a new segment file, in bytes.
  // Segments are deleted once drained, so the budget is used in steps of this size. Default
  // 67108864 (64 MiB), 4096..2^40, and at most half of audit.wal_budget_bytes.
  std::uint64_t wal_segment_bytes = 64ULL << 20;
  // audit.group_max: records written with one fdatasync, at most. Default 10000, 1..1000000.
  std::size_t group_max = 10000;
  // audit.queue_max: records accepted and waiting for the log writer, at most; a record
  // beyond it is acknowledged with durable=false at once. Default 100000, 1..10000000.
  std::size_t queue_max = 100000;
  // audit.batch_max: records written to PostgreSQL in one transaction, at most. The log is
  // the durability point, so large batches cost no acknowledgement latency. Default 10000,
  // 1..1000000.
  std::size_t batch_max = 10000;
  // audit.drain_delay_ms: after a batch smaller than batch_max the drainer waits this long
  // before it reads the log again, so that PostgreSQL commits a few larger transactions instead
  // of one per log write. Records reach PostgreSQL up to this much later. Default 50, 0..10000.
  std::chrono::milliseconds drain_delay{50};
  // audit.checkpoint_interval_ms: the drainer stores its position at most this often (and
  // whenever it finishes a segment). A crash replays at most this much work. Default 1000,
  // 10..600000.
  std::chrono::milliseconds checkpoint_interval{1000};
  // audit.partition_check_interval_seconds: how often the drainer makes sure this month's and
  // next month's partitions exist. Default 3600, 1..86400.
  std::chrono::seconds partition_check_interval{3600};
  // audit.statement_timeout_ms: PostgreSQL statement_timeout of the drainer's session, and
  // the base of libpq's tcp_user_timeout. Default 10000, 100..600000.
  std::chrono::milliseconds statement_timeout{10000};
  // audit.connect_timeout_seconds: libpq connect_timeout. Default 3, 1..60.
  std::chrono::seconds connect_timeout{3};
  // audit.reconnect_min_ms and audit.reconnect_max_ms: the delay before another connection
  // attempt starts at min and doubles after each failure up to max. Defaults 100 and 2000,
  // 10..600000, and min must not exceed max.
  std::chrono::milliseconds reconnect_min{100};
  std::chrono::milliseconds reconnect_max{2000};
  // audit.ping_interval_ms: an idle drainer checks the connection this often. Default 2000,
  // 100..600000.
  std::chrono::milliseconds ping_interval{2000};
};

// Reads and checks every setting; throws config::settings_error naming the bad one.
audit_settings load_audit_settings(const config::settings_source& source);

// Returns `url` with any password replaced by "***", for logs.
std::string redact_database_url(const std::string& url);

}  // namespace memgov::audit
