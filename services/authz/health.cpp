#include "health.hpp"

#include <caf/all.hpp>

#include "authz_atoms.hpp"
#include "authz_metrics.hpp"
#include "opa_client.hpp"
#include "ownership_store.hpp"
#include "policy_input.hpp"

namespace memgov::authz {
namespace {

caf::behavior health_actor(caf::event_based_actor* self, ownership_store* store, opa_client* opa,
                           authz_metrics* metrics, std::chrono::milliseconds interval) {
  metrics->health_actor().mailbox_depth.Increment();
  self->send(self, tick_atom::value);
  return {
      [=](tick_atom) {
        processing_scope scope(metrics->health_actor());
        store->ping_all();
        // An empty input is enough, because any response with a result shows
        // that OPA serves and the mem0.authz package is loaded.
        opa->evaluate(serialize_policy_query(nlohmann::json::object()), "read",
                      [](policy_outcome) {});
        metrics->health_actor().mailbox_depth.Increment();
        self->delayed_send(self, interval, tick_atom::value);
      },
  };
}

}  // namespace

caf::actor start_health_probes(caf::actor_system& system, ownership_store& store, opa_client& opa,
                               authz_metrics& metrics, std::chrono::milliseconds interval) {
  return system.spawn(health_actor, &store, &opa, &metrics, interval);
}

}  // namespace memgov::authz
