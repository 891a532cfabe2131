#include "decision.hpp"

#include <caf/all.hpp>

#include "authz_atoms.hpp"
#include "authz_metrics.hpp"
#include "decision_cache.hpp"
#include "decision_process.hpp"
#include "log/logger.hpp"
#include "opa_client.hpp"
#include "ownership_cache.hpp"
#include "ownership_store.hpp"
#include "policy_input.hpp"

namespace memgov::authz {
namespace {

using clock_type = std::chrono::steady_clock;

const log::logger& decision_log() {
  static const log::logger logger("decision");
  return logger;
}

struct decision_state {
  std::shared_ptr<decision_dependencies> dependencies;
  std::unique_ptr<decision_process> process;
  transport::responder answer;
  clock_type::time_point started;
  owner_map cached;  // Owners found in the cache for the pending lookup.
  bool answered = false;
};

using decision_actor_type = caf::stateful_actor<decision_state>;

std::string registry_error_text(const caf::error& error, std::chrono::milliseconds timeout) {
  if (error == caf::sec::request_timeout) {
    return "no answer within " + std::to_string(timeout.count()) + " ms";
  }
  return "registry actor failed: " + caf::to_string(error);
}

void advance(decision_actor_type* self, decision_process::step step);

void answer(decision_actor_type* self, const decision_process::reply_step& done) {
  decision_state& state = self->state;
  if (state.answered)
    return;
  state.answered = true;
  state.answer.reply(protocol::message_kind::authz_result, done.reply);
  state.dependencies->metrics.count_decision(done.outcome);
  const protocol::authz_request& request = state.process->request();
  double latency_ms =
      std::chrono::duration<double, std::milli>(clock_type::now() - state.started).count();
  if (done.outcome == "error") {
    decision_log().warning_limited("decision_error", "denied because a dependency failed",
                                   {{"request_id", request.request_id},
                                    {"tenant", request.tenant},
                                    {"actor", request.actor},
                                    {"reason", done.reply.reason}});
  }
  if (decision_log().enabled(log::level::debug)) {
    decision_log().debug("decision", {{"request_id", request.request_id},
                                      {"tenant", request.tenant},
                                      {"actor", request.actor},
                                      {"action", request.action},
                                      {"resource", request.resource},
                                      {"outcome", done.outcome},
                                      {"resource_tenant", done.reply.resource_tenant},
                                      {"reason", done.reply.reason},
                                      {"policy_revision", done.reply.policy_revision},
                                      {"latency_ms", std::to_string(latency_ms)}});
  }
  self->quit();
}

void look_up(decision_actor_type* self, const decision_process::lookup_step& lookup) {
  decision_state& state = self->state;
  authz_metrics& metrics = state.dependencies->metrics;
  std::vector<subject_key> misses;
  state.cached.clear();
  for (const subject_key& subject : lookup.subjects) {
    if (auto owner = state.dependencies->cache.find(subject)) {
      metrics.count_cache(true);
      state.cached[subject] = *owner;
    } else {
      metrics.count_cache(false);
      misses.push_back(subject);
    }
  }
  if (misses.empty()) {
    registry_result all_cached;
    all_cached.ok = true;
    all_cached.owners = state.cached;
    advance(self, state.process->on_owners(all_cached));
    return;
  }
  ownership_store& store = state.dependencies->store;
  std::chrono::milliseconds timeout = store.timeout();
  self->request(store.acquire(), timeout, lookup_atom::value, std::move(misses),
                deadline_after(timeout))
      .then(
          [self](registry_result& result) {
            processing_scope scope(self->state.dependencies->metrics.decision_actor(), false);
            for (const auto& [subject, tenant] : self->state.cached) {
              result.owners.emplace(subject, tenant);
            }
            advance(self, self->state.process->on_owners(result));
          },
          [self, timeout](caf::error& error) {
            processing_scope scope(self->state.dependencies->metrics.decision_actor(), false);
            self->state.dependencies->metrics.count_database_error("lookup");
            registry_result failed;
            failed.error = registry_error_text(error, timeout);
            advance(self, self->state.process->on_owners(failed));
          });
}

void claim(decision_actor_type* self, const decision_process::claim_step& claim) {
  ownership_store& store = self->state.dependencies->store;
  std::chrono::milliseconds timeout = store.timeout();
  self->request(store.acquire(), timeout, claim_atom::value, claim.subjects, claim.tenant,
                deadline_after(timeout))
      .then(
          [self](registry_result& result) {
            processing_scope scope(self->state.dependencies->metrics.decision_actor(), false);
            auto step = self->state.process->on_claimed(result);
            if (result.ok)
              self->state.dependencies->metrics.count_claim(
                  !self->state.process->last_claim_lost());
            advance(self, std::move(step));
          },
          [self, timeout](caf::error& error) {
            processing_scope scope(self->state.dependencies->metrics.decision_actor(), false);
            self->state.dependencies->metrics.count_database_error("claim");
            registry_result failed;
            failed.error = registry_error_text(error, timeout);
            advance(self, self->state.process->on_claimed(failed));
          });
}

void evaluate(decision_actor_type* self, const decision_process::policy_step& policy) {
  decision_state& state = self->state;
  actor_metrics* metrics = &state.dependencies->metrics.decision_actor();
  caf::actor handle = caf::actor_cast<caf::actor>(self);
  decision_cache& decisions = state.dependencies->decisions;
  std::string key = decisions.enabled() ? decision_cache::key_of(policy.input) : std::string();
  if (decisions.enabled()) {
    if (auto cached = decisions.find(key)) {
      metrics->mailbox_depth.Increment();
      self->send(self, policy_atom::value, std::move(*cached));
      return;
    }
  }
  state.dependencies->opa.evaluate(
      serialize_policy_query(policy.input), state.process->request().action,
      [handle, metrics, &decisions, key = std::move(key)](policy_outcome outcome) {
        if (!key.empty())
          decisions.store(key, outcome);
        metrics->mailbox_depth.Increment();
        caf::anon_send(handle, policy_atom::value, std::move(outcome));
      });
}

void advance(decision_actor_type* self, decision_process::step step) {
  if (auto* lookup = std::get_if<decision_process::lookup_step>(&step)) {
    look_up(self, *lookup);
  } else if (auto* policy = std::get_if<decision_process::policy_step>(&step)) {
    evaluate(self, *policy);
  } else if (auto* claiming = std::get_if<decision_process::claim_step>(&step)) {
    claim(self, *claiming);
  } else {
    answer(self, std::get<decision_process::reply_step>(step));
  }
}

caf::behavior decision_actor(decision_actor_type* self,
                             std::shared_ptr<decision_dependencies> dependencies,
                             protocol::authz_request request, transport::responder answer_to) {
  decision_state& state = self->state;
  state.dependencies = std::move(dependencies);
  state.answer = std::move(answer_to);
  state.started = clock_type::now();
  state.process = std::make_unique<decision_process>(std::move(request));
  {
    processing_scope scope(state.dependencies->metrics.decision_actor());
    advance(self, state.process->start());
  }
  if (state.answered)
    return {};  // The reply is sent and answer() called quit().
  std::chrono::milliseconds decision_timeout = state.dependencies->decision_timeout;
  return {
      [self](policy_atom, policy_outcome& outcome) {
        processing_scope scope(self->state.dependencies->metrics.decision_actor());
        advance(self, self->state.process->on_policy(outcome));
      },
      caf::after(decision_timeout) >>
          [self, decision_timeout] {
            decision_process::reply_step expired;
            expired.reply.reason = "authorization decision timed out after " +
                                   std::to_string(decision_timeout.count()) + " ms";
            expired.reply.dependency_failed = true;
            expired.outcome = "error";
            answer(self, expired);
          },
  };
}

}  // namespace

void start_decision(caf::actor_system& system, std::shared_ptr<decision_dependencies> dependencies,
                    protocol::authz_request request, transport::responder answer) {
  dependencies->metrics.decision_actor().mailbox_depth.Increment();
  system.spawn(decision_actor, std::move(dependencies), std::move(request), std::move(answer));
}

}  // namespace memgov::authz
