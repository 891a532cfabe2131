// The CAF actor system of one stage process.
#pragma once

#include <memory>

#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>

namespace memgov::runtime {

class actor_runtime {
 public:
  // Starts a CAF system whose scheduler runs `scheduler_threads` threads for
  // event-based actors. Detached actors (socket owners, blocking database
  // clients) get threads of their own on top.
  explicit actor_runtime(int scheduler_threads);
  ~actor_runtime();

  caf::actor_system& system() { return *system_; }

 private:
  caf::actor_system_config config_;
  std::unique_ptr<caf::actor_system> system_;
};

}  // namespace memgov::runtime
