#include "limiter_actor.hpp"

#include <prometheus/gauge.h>

#include "log/logger.hpp"
#include "metrics/actor_metrics.hpp"
#include "sliding_window_limiter.hpp"

namespace memgov::ratelimit {
namespace {

struct shard_state {
  explicit shard_state(const shard_options& options)
      : options(options), limiter(options.window, options.max_keys) {}

  // Records the processing time and count of one message handled since `started`.
  void finish_message(std::chrono::steady_clock::time_point started) const {
    std::chrono::duration<double> spent = std::chrono::steady_clock::now() - started;
    options.metrics->messages.Increment();
    options.metrics->processing_seconds.Observe(spent.count());
  }

  shard_options options;
  sliding_window_limiter limiter;
  log::logger logger{"limiter_shard"};
};

}  // namespace

caf::behavior limiter_shard(caf::event_based_actor* self, shard_options options) {
  auto state = std::make_shared<shard_state>(options);
  self->delayed_send(self, options.sweep_interval, sweep_atom::value);
  return {
      [state](check_atom, const std::string& key, std::uint32_t limit,
              const decision_callback& done) {
        auto started = std::chrono::steady_clock::now();
        state->options.metrics->mailbox_depth.Decrement();
        limit_decision decision = state->limiter.check(key, limit, state->options.clock->now());
        done(decision);
        state->finish_message(started);
      },
      [self, state](sweep_atom) {
        auto started = std::chrono::steady_clock::now();
        std::size_t removed = state->limiter.expire_idle(state->options.clock->now());
        std::size_t tracked = state->limiter.keys_tracked();
        if (state->options.keys != nullptr) {
          state->options.keys->Set(static_cast<double>(tracked));
        }
        if (removed > 0 && state->logger.enabled(log::level::debug)) {
          state->logger.debug("expired idle keys", {{"removed", std::to_string(removed)},
                                                    {"tracked", std::to_string(tracked)}});
        }
        state->finish_message(started);
        self->delayed_send(self, state->options.sweep_interval, sweep_atom::value);
      },
  };
}

}  // namespace memgov::ratelimit
