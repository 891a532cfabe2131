// Prometheus metrics of the Redis backend.
#pragma once

#include <string>

#include <prometheus/counter.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

#include "metrics/actor_metrics.hpp"

namespace memgov::ratelimit {

struct redis_metrics {
  explicit redis_metrics(prometheus::Registry& registry);

  // Counts one Redis failure in memgov_ratelimit_redis_errors_total{cause}; see
  // redis_error::cause, plus "server" (an error reply) and "queue_timeout".
  void count_error(const std::string& cause);

  prometheus::Family<prometheus::Counter>& errors;
  // memgov_ratelimit_redis_batch_seconds: writing one pipelined batch and reading all of
  // its replies.
  prometheus::Histogram& batch_seconds;
  // memgov_ratelimit_redis_check_seconds: from a check entering the backend until Redis's
  // reply to it was read (queueing and batching included).
  prometheus::Histogram& check_seconds;
  // memgov_ratelimit_redis_batch_size: checks per pipelined batch.
  prometheus::Histogram& batch_size;
  prometheus::Gauge& connections_open;  // memgov_ratelimit_redis_connections_open
  // memgov_ratelimit_redis_database_keys: DBSIZE of the URL's database, sampled by connection 0
  // once per health interval. It is the number of pairs tracked when that database holds only
  // rate limit keys.
  prometheus::Gauge& database_keys;
  prometheus::Counter& reconnects;      // memgov_ratelimit_redis_reconnects_total
  prometheus::Counter& script_reloads;  // memgov_ratelimit_redis_script_reloads_total
  prometheus::Counter& fallback;        // memgov_ratelimit_fallback_total
  // The connection actor records one processing time per batch, not per check.
  metrics::actor_metrics connection_actor;
};

}  // namespace memgov::ratelimit
