// The decision actor: one short-lived event-based actor per authz request,
// which runs a decision_process against the owner cache, the registry actors
// and OPA, replies to the requester and ends.
#pragma once

#include <atomic>
#include <chrono>
#include <memory>

#include "protocol/messages.hpp"
#include "transport/stage_server.hpp"

namespace caf {
class actor_system;
}

namespace memgov::authz {

class authz_metrics;
class decision_cache;
class opa_client;
class ownership_cache;
class ownership_store;

// Services shared by every decision actor. They outlive all decision actors.
struct decision_dependencies {
  ownership_cache& cache;
  ownership_store& store;
  opa_client& opa;
  authz_metrics& metrics;
  decision_cache& decisions;
  // Bound on a whole decision, after which the actor replies with an error
  // even if a dependency has not completed.
  std::chrono::milliseconds decision_timeout;
};

// Spawns a decision actor for `request`, which replies through `answer`.
void start_decision(caf::actor_system& system, std::shared_ptr<decision_dependencies> dependencies,
                    protocol::authz_request request, transport::responder answer);

}  // namespace memgov::authz
