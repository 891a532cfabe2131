// Validated settings of the ratelimit stage, read once at start.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <map>
#include <string>

#include "config/settings_source.hpp"

namespace memgov::ratelimit {

struct ratelimit_settings {
  // ratelimit.bind: ZeroMQ endpoint range; a replica binds its first free port.
  // Default tcp://127.0.0.1:7200-7207.
  std::string bind;
  // ratelimit.metrics_listen: "host:first-last" of the Prometheus endpoint.
  // Default 127.0.0.1:9480-9487.
  std::string metrics_listen;
  // ratelimit.window_seconds: length of the sliding window. Default 60, 1..86400.
  std::chrono::seconds window{60};
  // ratelimit.default_limit: requests per window for a role without its own limit.
  // Default 100, 0..1000000 (0 denies every request).
  std::uint32_t default_limit = 100;
  // ratelimit.roles.<role>: requests per window for one role, keyed by normalized role name
  // (see normalize_role). Contains admin = 500 unless admin is set.
  std::map<std::string, std::uint32_t> role_limits;
  // ratelimit.shards: limiter actors; keys are spread over them by hash. Default 2, 1..64.
  int shards = 2;
  // ratelimit.max_keys: tenant/actor pairs tracked at once over all shards; a request of a
  // new pair beyond it is denied. Each key costs roughly 100 bytes plus 8 bytes per counted
  // request (an estimate for 64-bit builds). Default 500000, 1..100000000.
  std::size_t max_keys = 500000;
  // ratelimit.sweep_interval_seconds: how often each shard removes idle keys. Default 5,
  // 1..3600.
  std::chrono::seconds sweep_interval{5};
};

// Reads and checks every setting; throws config::settings_error naming the bad one.
ratelimit_settings load_ratelimit_settings(const config::settings_source& source);

}  // namespace memgov::ratelimit
