// The health actor: every probe interval it pings the registry actors and
// evaluates the policy once, so the readiness flags follow PostgreSQL and
// OPA, and broken connections are re-opened, even without traffic.
#pragma once

#include <chrono>

#include <caf/actor.hpp>

namespace caf {
class actor_system;
}

namespace memgov::authz {

class authz_metrics;
class opa_client;
class ownership_store;

// Spawns the actor; it probes at once and then every `interval`. Stop it with
// caf::anon_send_exit.
caf::actor start_health_probes(caf::actor_system& system, ownership_store& store, opa_client& opa,
                               authz_metrics& metrics, std::chrono::milliseconds interval);

}  // namespace memgov::authz
