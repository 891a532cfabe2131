#include "redis_metrics.hpp"

namespace memgov::ratelimit {
namespace {

const prometheus::Histogram::BucketBoundaries kLatencyBuckets = {
    0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1};

const prometheus::Histogram::BucketBoundaries kBatchSizeBuckets = {1,  2,   4,   8,   16,  32,
                                                                   64, 128, 256, 512, 1024};

prometheus::Histogram& histogram(prometheus::Registry& registry, const std::string& name,
                                 const std::string& help,
                                 const prometheus::Histogram::BucketBoundaries& buckets) {
  return prometheus::BuildHistogram().Name(name).Help(help).Register(registry).Add({}, buckets);
}

prometheus::Counter& counter(prometheus::Registry& registry, const std::string& name,
                             const std::string& help) {
  return prometheus::BuildCounter().Name(name).Help(help).Register(registry).Add({});
}

}  // namespace

redis_metrics::redis_metrics(prometheus::Registry& registry)
    : errors(prometheus::BuildCounter()
                 .Name("memgov_ratelimit_redis_errors_total")
                 .Help("Redis failures of the rate limit backend, by cause")
                 .Register(registry)),
      batch_seconds(histogram(registry, "memgov_ratelimit_redis_batch_seconds",
                              "Time to write one pipelined batch of checks and read its replies",
                              kLatencyBuckets)),
      check_seconds(histogram(registry, "memgov_ratelimit_redis_check_seconds",
                              "Time from a check entering the Redis backend until its reply was "
                              "read, queueing included",
                              kLatencyBuckets)),
      batch_size(histogram(registry, "memgov_ratelimit_redis_batch_size",
                           "Checks per pipelined batch", kBatchSizeBuckets)),
      connections_open(prometheus::BuildGauge()
                           .Name("memgov_ratelimit_redis_connections_open")
                           .Help("Redis connections that are open and have the script loaded")
                           .Register(registry)
                           .Add({})),
      database_keys(prometheus::BuildGauge()
                        .Name("memgov_ratelimit_redis_database_keys")
                        .Help("Keys in the Redis database of the rate limit URL (DBSIZE); the "
                              "pairs tracked when that database holds only rate limit keys")
                        .Register(registry)
                        .Add({})),
      reconnects(counter(registry, "memgov_ratelimit_redis_reconnects_total",
                         "Redis connections opened again after a failure")),
      script_reloads(counter(registry, "memgov_ratelimit_redis_script_reloads_total",
                             "Loads of the rate limit script after Redis answered NOSCRIPT")),
      fallback(counter(registry, "memgov_ratelimit_fallback_total",
                       "Checks decided by the in-memory limiter because Redis failed "
                       "(failure mode local)")),
      connection_actor(registry, "ratelimit", "redis_connection") {
  for (const char* cause : {"connect", "timeout", "closed", "io", "protocol", "auth", "script_load",
                            "not_connected", "server", "queue_timeout"}) {
    errors.Add({{"cause", cause}});
  }
}

void redis_metrics::count_error(const std::string& cause) {
  errors.Add({{"cause", cause}}).Increment();
}

}  // namespace memgov::ratelimit
