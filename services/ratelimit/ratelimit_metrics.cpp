#include "ratelimit_metrics.hpp"

namespace memgov::ratelimit {

ratelimit_metrics::ratelimit_metrics(prometheus::Registry& registry,
                                     const std::vector<std::string>& role_labels, int shards)
    : invalid_requests_(prometheus::BuildCounter()
                            .Name("memgov_ratelimit_invalid_requests_total")
                            .Help("Requests rejected because they could not be read, by cause")
                            .Register(registry)),
      limiter_actor_(registry, "ratelimit", "limiter_shard") {
  auto& decisions = prometheus::BuildCounter()
                        .Name("memgov_ratelimit_decisions_total")
                        .Help("Rate limit decisions by outcome and by the role that set the limit")
                        .Register(registry);
  const outcome outcomes[kOutcomes] = {outcome::allowed, outcome::denied, outcome::key_table_full};
  for (const std::string& role : role_labels) {
    std::array<prometheus::Counter*, kOutcomes> by_outcome{};
    for (std::size_t i = 0; i < kOutcomes; ++i) {
      by_outcome[i] = &decisions.Add({{"outcome", to_string(outcomes[i])}, {"role", role}});
    }
    decisions_.push_back(by_outcome);
  }

  auto& keys = prometheus::BuildGauge()
                   .Name("memgov_ratelimit_keys_tracked")
                   .Help("Tenant/actor keys with requests in the window, per limiter shard")
                   .Register(registry);
  for (int shard = 0; shard < shards; ++shard) {
    keys_tracked_.push_back(&keys.Add({{"shard", std::to_string(shard)}}));
  }
}

void ratelimit_metrics::count_decision(outcome result, std::size_t role_label) {
  std::size_t index = static_cast<std::size_t>(result);
  if (role_label < decisions_.size() && index < kOutcomes) {
    decisions_[role_label][index]->Increment();
  }
}

void ratelimit_metrics::count_invalid_request(const std::string& cause) {
  invalid_requests_.Add({{"cause", cause}}).Increment();
}

}  // namespace memgov::ratelimit
