#include "ratelimit_metrics.hpp"

namespace memgov::ratelimit {

ratelimit_metrics::ratelimit_metrics(prometheus::Registry& registry, int shards)
    : decisions_(prometheus::BuildCounter()
                     .Name("memgov_ratelimit_decisions_total")
                     .Help("Rate limit decisions by outcome and by the role that set the limit "
                           "(tenant_override when a tenant limit applied)")
                     .Register(registry)),
      invalid_requests_(prometheus::BuildCounter()
                            .Name("memgov_ratelimit_invalid_requests_total")
                            .Help("Requests rejected because they could not be read, by cause")
                            .Register(registry)),
      backend_info_(prometheus::BuildGauge()
                        .Name("memgov_ratelimit_backend_info")
                        .Help("1 for the store this replica keeps its counts in")
                        .Register(registry)),
      reloads_(prometheus::BuildCounter()
                   .Name("memgov_ratelimit_config_reloads_total")
                   .Help("SIGHUP reloads of the rate limits, by result")
                   .Register(registry)),
      shared_limit_violations_(
          prometheus::BuildCounter()
              .Name("memgov_ratelimit_shared_limit_violations_total")
              .Help("Starts on the memory backend while other replicas were already bound, so "
                    "each replica counts alone and limits are multiplied")
              .Register(registry)
              .Add({})),
      limiter_actor_(registry, "ratelimit", "limiter_shard") {
  auto& keys = prometheus::BuildGauge()
                   .Name("memgov_ratelimit_keys_tracked")
                   .Help(
                       "Tenant/actor keys with requests in the window, per in-memory limiter "
                       "shard")
                   .Register(registry);
  for (int shard = 0; shard < shards; ++shard) {
    keys_tracked_.push_back(&keys.Add({{"shard", std::to_string(shard)}}));
  }
  for (const char* result : {"applied", "unchanged", "error"}) {
    reloads_.Add({{"result", result}});
  }
}

const decision_counters& ratelimit_metrics::decisions_for(const std::string& label) {
  std::lock_guard<std::mutex> lock(decisions_mutex_);
  auto found = decisions_by_label_.find(label);
  if (found != decisions_by_label_.end()) {
    return found->second;
  }
  decision_counters counters{};
  for (std::size_t i = 0; i < kOutcomeCount; ++i) {
    counters[i] =
        &decisions_.Add({{"outcome", to_string(static_cast<outcome>(i))}, {"role", label}});
  }
  return decisions_by_label_.emplace(label, counters).first->second;
}

void ratelimit_metrics::count_invalid_request(const std::string& cause) {
  invalid_requests_.Add({{"cause", cause}}).Increment();
}

void ratelimit_metrics::set_backend(const std::string& backend) {
  backend_info_.Add({{"backend", backend}}).Set(1);
}

void ratelimit_metrics::count_reload(const std::string& result) {
  reloads_.Add({{"result", result}}).Increment();
}

}  // namespace memgov::ratelimit
