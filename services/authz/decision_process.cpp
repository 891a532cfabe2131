#include "decision_process.hpp"

#include <algorithm>
#include <set>

#include "policy_input.hpp"

namespace memgov::authz {
namespace {

bool is_claimable(const protocol::authz_request& request, const protocol::subject_ref& subject) {
  return request.action == "write" && !request.tenant.empty() && claimable_kind(subject.kind) &&
         !subject.id.empty() && subject.id != "*";
}

}  // namespace

ownership_view view_ownership(const protocol::authz_request& request, const owner_map& owners) {
  ownership_view view;
  std::set<subject_key> claimed;
  bool unowned_unclaimable = false;
  for (const protocol::subject_ref& subject : request.subjects) {
    subject_key key{subject.kind, subject.id};
    auto owner = owners.find(key);
    protocol::subject_ref filled{subject.kind, subject.id, ""};
    if (owner != owners.end()) {
      filled.tenant = owner->second;
      if (view.resource_tenant.empty() && owner->second != request.tenant) {
        view.resource_tenant = owner->second;
      }
    } else if (is_claimable(request, subject)) {
      filled.tenant = request.tenant;
      if (claimed.insert(key).second)
        view.to_claim.push_back(key);
    } else {
      unowned_unclaimable = true;
    }
    view.subjects.push_back(std::move(filled));
  }
  if (view.resource_tenant.empty() && !unowned_unclaimable) {
    view.resource_tenant = request.tenant;
  }
  std::sort(view.to_claim.begin(), view.to_claim.end());
  return view;
}

std::string check_subjects(const protocol::authz_request& request) {
  if (request.subjects.size() > kMaxSubjects) {
    return "request names " + std::to_string(request.subjects.size()) + " subjects; at most " +
           std::to_string(kMaxSubjects) + " are allowed";
  }
  for (const protocol::subject_ref& subject : request.subjects) {
    // PostgreSQL text cannot store NUL, and libpq would cut the value there.
    if (subject.kind.find('\0') != std::string::npos ||
        subject.id.find('\0') != std::string::npos) {
      return "subject " + subject.kind + " contains a NUL byte";
    }
  }
  return "";
}

decision_process::decision_process(protocol::authz_request request)
    : request_(std::move(request)) {}

decision_process::step decision_process::start() {
  if (!request_.target_tenant.empty()) {
    // An admin request on a tenant's subject registry: the target is the tenant itself, and the
    // subject it names is checked by the assignment, not by the policy.
    ++policy_rounds_;
    view_.resource_tenant = request_.target_tenant;
    return policy_step{build_policy_input(request_, request_.target_tenant, {})};
  }
  if (request_.resource == "*") {
    // A wildcard names every tenant's data, so no single owner applies.
    ++policy_rounds_;
    return policy_step{build_policy_input(request_, "", request_.subjects)};
  }
  std::string problem = check_subjects(request_);
  if (!problem.empty()) {
    reply_step denied;
    denied.reply.reason = problem;
    denied.outcome = "deny";
    return denied;
  }
  if (request_.subjects.empty()) {
    return evaluate_current_view();
  }
  lookup_step lookup;
  std::set<subject_key> seen;
  for (const protocol::subject_ref& subject : request_.subjects) {
    subject_key key{subject.kind, subject.id};
    if (seen.insert(key).second)
      lookup.subjects.push_back(std::move(key));
  }
  return lookup;
}

decision_process::step decision_process::on_owners(const registry_result& result) {
  if (!result.ok) {
    return deny_error("ownership registry unavailable: " + result.error);
  }
  owners_ = result.owners;
  if (!request_.memory_ids_resolved) {
    reply_step resolve;
    for (const protocol::subject_ref& subject : request_.subjects) {
      if (subject.kind == "memory_id" && owners_.count(subject_key{subject.kind, subject.id}) == 0)
        resolve.reply.unknown_memory_ids.push_back(subject.id);
    }
    if (!resolve.reply.unknown_memory_ids.empty()) {
      resolve.reply.reason = "memory ids without a recorded owner";
      resolve.outcome = "resolve";
      return resolve;
    }
  }
  return evaluate_current_view();
}

decision_process::step decision_process::evaluate_current_view() {
  if (policy_rounds_ >= kMaxPolicyRounds) {
    return deny_error("ownership registry unavailable: claims kept losing races");
  }
  ++policy_rounds_;
  view_ = view_ownership(request_, owners_);
  return policy_step{build_policy_input(request_, view_.resource_tenant, view_.subjects)};
}

decision_process::step decision_process::on_policy(const policy_outcome& outcome) {
  if (!outcome.evaluated) {
    reply_step failed = deny_error(outcome.reason);
    failed.reply.resource_tenant = view_.resource_tenant;
    return failed;
  }
  if (outcome.allowed && !view_.to_claim.empty()) {
    allowed_outcome_ = outcome;
    return claim_step{view_.to_claim, request_.tenant};
  }
  reply_step done;
  done.reply.allowed = outcome.allowed;
  done.reply.reason = outcome.allowed ? "" : outcome.reason;
  done.reply.resource_tenant = view_.resource_tenant;
  done.reply.policy_revision = outcome.revision;
  done.reply.cross_tenant = outcome.cross_tenant;
  done.outcome = outcome.allowed ? "allow" : "deny";
  return done;
}

decision_process::step decision_process::on_claimed(const registry_result& result) {
  if (!result.ok) {
    return deny_error("ownership registry unavailable: " + result.error);
  }
  last_claim_lost_ = false;
  for (const subject_key& key : view_.to_claim) {
    auto owner = result.owners.find(key);
    if (owner != result.owners.end()) {
      owners_[key] = owner->second;
      if (owner->second != request_.tenant)
        last_claim_lost_ = true;
    } else {
      // Still unowned: the claim was rolled back because another subject was lost.
      last_claim_lost_ = true;
    }
  }
  if (last_claim_lost_) {
    // Another tenant owns at least one subject now. The registry rolled back
    // whatever this claim inserted, so evaluate again with the real owners.
    return evaluate_current_view();
  }
  reply_step done;
  done.reply.allowed = true;
  done.reply.resource_tenant = view_.resource_tenant;
  done.reply.policy_revision = allowed_outcome_.revision;
  done.reply.cross_tenant = allowed_outcome_.cross_tenant;
  done.outcome = "allow";
  return done;
}

decision_process::reply_step decision_process::deny_error(const std::string& reason) const {
  reply_step failed;
  failed.reply.reason = reason;
  failed.reply.dependency_failed = true;
  failed.outcome = "error";
  return failed;
}

}  // namespace memgov::authz
