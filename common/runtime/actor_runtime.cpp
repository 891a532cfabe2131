#include "runtime/actor_runtime.hpp"

#include <caf/all.hpp>

namespace memgov::runtime {

actor_runtime::actor_runtime(int scheduler_threads) {
  config_.set("scheduler.max-threads", static_cast<std::size_t>(scheduler_threads));
  // CAF's default of printing a report about unhandled messages at shutdown
  // is noise in a service log.
  config_.set("logger.verbosity", caf::atom("quiet"));
  system_ = std::make_unique<caf::actor_system>(config_);
}

actor_runtime::~actor_runtime() = default;

}  // namespace memgov::runtime
