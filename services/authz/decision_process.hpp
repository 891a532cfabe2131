// The decision for one authz request, as a state machine without I/O.
//
// The decision actor runs the steps: it looks owners up, evaluates the policy
// and claims subjects as each step requests, and feeds each result back. Unit
// tests drive the same process with an in-memory registry.
//
//   start() -> lookup_step -> on_owners() -> policy_step -> on_policy()
//     -> reply_step, or (a write that claims subjects) claim_step
//     -> on_claimed() -> reply_step, or after a lost race policy_step again
//
// When the lookup finds a memory id without an owner and the request does not
// say memory_ids_resolved, on_owners() replies at once with those ids in
// unknown_memory_ids (outcome "resolve") instead of evaluating the policy.
#pragma once

#include <string>
#include <variant>
#include <vector>

#include <nlohmann/json.hpp>

#include "ownership_types.hpp"
#include "policy_result.hpp"
#include "protocol/messages.hpp"

namespace memgov::authz {

// Subjects a request may name, at most; more are denied without a lookup. It equals the
// ingress's limit (services/ingress/request/subjects.hpp), which rejects more with a 400, so a
// request the ingress accepted is never denied here for its size.
inline constexpr std::size_t kMaxSubjects = 256;

// Owners as given to the policy, computed from the registry's result.
struct ownership_view {
  std::string resource_tenant;
  std::vector<protocol::subject_ref> subjects;  // The request's subjects, tenant filled.
  std::vector<subject_key> to_claim;            // Unowned subjects this write would claim.
};

// Computes resource_tenant and the subjects' tenants for `request` given the
// known `owners`. resource_tenant is the owner of the first subject that
// another tenant owns. Failing that, it is "" when some subject has no owner
// and cannot be claimed, and otherwise the caller's tenant.
//
// A write claims unowned user_id, agent_id and run_id subjects (never an
// empty or "*" id), and the view shows them as the caller's, as they will be
// once the claim succeeds.
// NOTE: a claim always goes to the caller's tenant, also for a cross-tenant
// role such as platform-admin writing next to another tenant's subjects.
ownership_view view_ownership(const protocol::authz_request& request, const owner_map& owners);

// Returns why the request's subjects cannot be looked up, or "" when they can.
std::string check_subjects(const protocol::authz_request& request);

class decision_process {
 public:
  struct lookup_step {
    std::vector<subject_key> subjects;  // Distinct, in request order.
  };
  struct policy_step {
    nlohmann::json input;
  };
  // Claim all of `subjects` for `tenant` or none: the registry inserts each
  // unless it has an owner, then reads the owners back.
  struct claim_step {
    std::vector<subject_key> subjects;  // Distinct and sorted.
    std::string tenant;
  };
  struct reply_step {
    protocol::authz_reply reply;
    // "allow", "deny", "error" when a dependency failed, or "resolve" when the
    // reply lists unknown memory ids for the ingress to resolve.
    std::string outcome;
  };
  using step = std::variant<lookup_step, policy_step, claim_step, reply_step>;

  explicit decision_process(protocol::authz_request request);

  step start();

  // Takes the registry's result for a lookup_step.
  step on_owners(const registry_result& result);

  // Takes the outcome of a policy_step.
  step on_policy(const policy_outcome& outcome);

  // Takes the registry's result for a claim_step: the owners of the claimed
  // subjects after the claim. When another tenant won any of them, the
  // registry rolled the whole claim back and reports the owners as they are.
  step on_claimed(const registry_result& result);

  // Whether the last claim lost a race to another tenant.
  bool last_claim_lost() const { return last_claim_lost_; }

  const protocol::authz_request& request() const { return request_; }

 private:
  // Evaluations allowed per request. Each lost claim leaves one more subject
  // owned by another tenant, so the subject count bounds the rounds. The cap
  // only guards against a registry that returns inconsistent owners.
  static constexpr int kMaxPolicyRounds = 4;

  step evaluate_current_view();
  reply_step deny_error(const std::string& reason) const;

  protocol::authz_request request_;
  owner_map owners_;
  ownership_view view_;
  policy_outcome allowed_outcome_;  // The evaluation that allowed a pending claim.
  int policy_rounds_ = 0;
  bool last_claim_lost_ = false;
};

}  // namespace memgov::authz
