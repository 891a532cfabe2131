// Validated settings of the ratelimit stage. They are read at start; the limits alone are
// read again on SIGHUP (see limits_reload.hpp).
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <map>
#include <string>

#include "config/settings_source.hpp"
#include "redis_url.hpp"

namespace memgov::ratelimit {

enum class backend_kind { memory, redis };

// Handling by the Redis backend of a check that Redis did not decide.
enum class failure_mode {
  closed,  // Reply with an error; the ingress rejects the request with 503.
  local,   // Decide with this replica's in-memory limiter instead.
};

const char* to_string(backend_kind kind);
const char* to_string(failure_mode mode);

// The part of the settings that SIGHUP reloads.
struct limit_settings {
  // ratelimit.default_limit: requests per window for a role without its own limit.
  // Default 100, 0..1000000 (0 denies every request).
  std::uint32_t default_limit = 100;
  // ratelimit.roles.<role>: requests per window for one role, keyed by normalized role name
  // (see normalize_role). Contains admin = 500 unless admin is set.
  std::map<std::string, std::uint32_t> role_limits;
  // ratelimit.tenants.<tenant>: requests per window for every actor of one tenant, whatever
  // its role. Keyed by the tenant id exactly as X-Tenant-Id carries it. Empty by default.
  std::map<std::string, std::uint32_t> tenant_limits;
};

bool operator==(const limit_settings& left, const limit_settings& right);

struct ratelimit_settings {
  // ratelimit.bind: ZeroMQ endpoint range; a replica binds its first free port.
  // Default tcp://127.0.0.1:7200-7207.
  std::string bind;
  // ratelimit.metrics_listen: "host:first-last" of the Prometheus endpoint.
  // Default 127.0.0.1:9480-9487.
  std::string metrics_listen;
  // ratelimit.window_seconds: length of the sliding window. Default 60, 1..86400.
  std::chrono::seconds window{60};
  limit_settings limits;

  // ratelimit.backend: "memory" or "redis". Default redis when a Redis URL is set, else
  // memory.
  backend_kind backend = backend_kind::memory;

  // Memory backend (also the fallback of failure mode local).
  // ratelimit.shards: limiter actors; keys are spread over them by hash. Default 2, 1..64.
  int shards = 2;
  // ratelimit.max_keys: tenant/actor pairs tracked at once over all shards; a request of a
  // new pair beyond it is denied. Each key costs roughly 100 bytes plus 8 bytes per counted
  // request (an estimate for 64-bit builds). Default 500000, 1..100000000.
  std::size_t max_keys = 500000;
  // ratelimit.sweep_interval_seconds: how often each shard removes idle keys. Default 5,
  // 1..3600.
  std::chrono::seconds sweep_interval{5};

  // Redis backend.
  // ratelimit.redis_url or REDIS_URL: redis://[[user]:password@]host[:port][/db]. Unset by
  // default. Parsed into redis.
  std::string redis_url;
  redis_endpoint redis;
  // ratelimit.redis_timeout_ms: connect, read and write timeout of one Redis socket
  // operation. Default 50, 1..60000.
  std::chrono::milliseconds redis_timeout{50};
  // ratelimit.redis_failure_mode: "closed" or "local". Default closed.
  failure_mode redis_failure_mode = failure_mode::closed;
  // ratelimit.redis_connections: Redis connections, all driven by the stage's socket thread;
  // a batch goes to the one with the fewest batches in flight. More than one only helps when
  // one connection's socket buffers are the limit. Default 1, 1..16.
  int redis_connections = 1;
  // ratelimit.redis_pipeline_depth: batches a connection sends before the replies to the
  // first have arrived. With 1, checks that arrive while a batch waits gather into the next
  // one, which costs Redis less per check. A larger depth sends each round of requests at
  // once, which helps when the round trip to Redis is long. Default 1, 1..64.
  std::size_t redis_pipeline_depth = 1;
  // ratelimit.redis_batch_max: checks sent in one pipelined batch, at most. Default 512,
  // 1..100000.
  std::size_t redis_batch_max = 512;
  // ratelimit.redis_queue_timeout_ms: a check that waited longer than this for its
  // connection is failed without asking Redis, because the requester has likely given up
  // (the ingress waits 300 ms by default). Default 250, 1..60000.
  std::chrono::milliseconds redis_queue_timeout{250};
  // ratelimit.redis_key_prefix: prefix of every Redis key the stage writes. Default
  // "memgov:ratelimit:".
  std::string redis_key_prefix = "memgov:ratelimit:";
};

// Reads and checks every setting; throws config::settings_error naming the bad one. Adds the
// REDIS_URL alias to a copy of `source`.
ratelimit_settings load_ratelimit_settings(const config::settings_source& source);

}  // namespace memgov::ratelimit
