#include "memory_backend.hpp"

#include <algorithm>
#include <functional>

#include <caf/actor_system.hpp>
#include <caf/send.hpp>

#include "ratelimit_metrics.hpp"

namespace memgov::ratelimit {

memory_backend::memory_backend(caf::actor_system& system, const memory_backend_options& options,
                               std::shared_ptr<const time_source> clock, ratelimit_metrics& metrics)
    : metrics_(metrics) {
  int shards = std::max(options.shards, 1);
  std::size_t per_shard = std::max<std::size_t>(options.max_keys / shards, 1);
  for (int shard = 0; shard < shards; ++shard) {
    shard_options shard_settings;
    shard_settings.window = options.window;
    shard_settings.max_keys = per_shard;
    shard_settings.sweep_interval = options.sweep_interval;
    shard_settings.clock = clock;
    shard_settings.metrics = &metrics.limiter_actor();
    shard_settings.keys = &metrics.keys_tracked(shard);
    shards_.push_back(system.spawn(limiter_shard, shard_settings));
  }
}

memory_backend::~memory_backend() {
  stop();
}

void memory_backend::check(std::string key, std::uint32_t limit, decision_callback done) {
  if (stopped_.load(std::memory_order_relaxed)) {
    return;
  }
  const caf::actor& shard = shards_[std::hash<std::string>{}(key) % shards_.size()];
  metrics_.limiter_actor().mailbox_depth.Increment();
  caf::anon_send(shard, check_atom::value, std::move(key), limit, std::move(done));
}

void memory_backend::stop() {
  if (stopped_.exchange(true)) {
    return;
  }
  // shards_ stays as it is: check() may still read it from the socket thread.
  for (const caf::actor& shard : shards_) {
    caf::anon_send_exit(shard, caf::exit_reason::user_shutdown);
  }
}

}  // namespace memgov::ratelimit
