// One shard of the in-memory limiter: an event-based CAF actor that owns a
// sliding_window_limiter and removes idle keys on a periodic sweep.
#pragma once

#include <chrono>
#include <cstddef>
#include <memory>

#include <caf/allowed_unsafe_message_type.hpp>
#include <caf/atom.hpp>
#include <caf/behavior.hpp>
#include <caf/event_based_actor.hpp>

#include "ratelimit_backend.hpp"
#include "time_source.hpp"

CAF_ALLOW_UNSAFE_MESSAGE_TYPE(memgov::ratelimit::decision_callback)

namespace prometheus {
class Gauge;
}

namespace memgov::metrics {
struct actor_metrics;
}

namespace memgov::ratelimit {

// Message (check_atom, std::string key, std::uint32_t limit, decision_callback done).
using check_atom = caf::atom_constant<caf::atom("check")>;
// Message sent by a shard to itself every sweep interval.
using sweep_atom = caf::atom_constant<caf::atom("sweep")>;

struct shard_options {
  std::chrono::seconds window{60};
  std::size_t max_keys = 0;  // For this shard alone.
  std::chrono::seconds sweep_interval{5};
  std::shared_ptr<const time_source> clock;
  metrics::actor_metrics* metrics = nullptr;  // Not owned; outlives the actor.
  prometheus::Gauge* keys = nullptr;          // Not owned; set to keys_tracked() after each sweep.
};

caf::behavior limiter_shard(caf::event_based_actor* self, shard_options options);

}  // namespace memgov::ratelimit
