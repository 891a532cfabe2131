// The decision state machine, driven by an in-memory registry and a small
// stand-in for the tenancy rules of the real policy.
#include "decision_process.hpp"

#include <gtest/gtest.h>

#include <functional>

namespace memgov::authz {
namespace {

using protocol::authz_request;
using protocol::subject_ref;

authz_request make_request(const std::string& tenant, const std::string& action,
                           std::vector<subject_ref> subjects,
                           const std::string& resource = "user_id:alice",
                           std::vector<std::string> roles = {"agent-writer"}) {
  authz_request request;
  request.request_id = "req-1";
  request.tenant = tenant;
  request.actor = "actor-1";
  request.roles = std::move(roles);
  request.action = action;
  request.method = "POST";
  request.path = "/memories";
  request.resource = resource;
  request.subjects = std::move(subjects);
  request.time_unix_ms = 1764840600000;
  return request;
}

// Mimics policies/tenancy.rego for the cases below: platform-admin passes,
// everyone else needs resource_tenant and every subject tenant to be the
// caller's (or, for subjects, empty).
policy_outcome tenancy_policy(const nlohmann::json& input) {
  policy_outcome outcome;
  outcome.evaluated = true;
  outcome.revision = "rev-7";
  for (const auto& role : input["roles"]) {
    if (role == "platform-admin") {
      outcome.allowed = true;
      return outcome;
    }
  }
  std::string tenant = input["tenant"];
  std::string resource_tenant = input["resource_tenant"];
  if (resource_tenant != tenant) {
    outcome.reason = resource_tenant.empty()
                         ? "resource has no owning tenant"
                         : "resource belongs to " + resource_tenant + ", requester is " + tenant;
    return outcome;
  }
  for (const auto& subject : input["subjects"]) {
    std::string owner = subject["tenant"];
    if (!owner.empty() && owner != tenant) {
      outcome.reason = "subject belongs to " + owner;
      return outcome;
    }
  }
  outcome.allowed = true;
  return outcome;
}

// In-memory registry with the claim semantics of ownership_registry: all or
// nothing, owners never replaced. `before_claim` runs just before a claim,
// so a test can let another tenant win the race.
struct fake_registry {
  owner_map rows;
  bool available = true;
  int lookups = 0;
  int claims = 0;
  std::function<void()> before_claim;

  registry_result lookup(const std::vector<subject_key>& subjects) {
    ++lookups;
    registry_result result;
    if (!available) {
      result.error = "connection refused";
      return result;
    }
    result.ok = true;
    for (const subject_key& subject : subjects) {
      if (auto row = rows.find(subject); row != rows.end())
        result.owners[subject] = row->second;
    }
    return result;
  }

  registry_result claim(const std::vector<subject_key>& subjects, const std::string& tenant) {
    ++claims;
    if (before_claim)
      before_claim();
    if (!available) {
      registry_result failed;
      failed.error = "connection refused";
      return failed;
    }
    bool lost = false;
    for (const subject_key& subject : subjects) {
      if (auto row = rows.find(subject); row != rows.end() && row->second != tenant)
        lost = true;
    }
    if (!lost) {
      for (const subject_key& subject : subjects)
        rows.emplace(subject, tenant);
    }
    return lookup(subjects);
  }
};

struct run_result {
  decision_process::reply_step reply;
  std::vector<nlohmann::json> policy_inputs;
  int claims_lost = 0;
};

run_result run_process(
    const authz_request& request, fake_registry& registry,
    std::function<policy_outcome(const nlohmann::json&)> policy = tenancy_policy) {
  decision_process process(request);
  run_result run;
  decision_process::step step = process.start();
  for (int guard = 0; guard < 20; ++guard) {
    if (auto* lookup = std::get_if<decision_process::lookup_step>(&step)) {
      step = process.on_owners(registry.lookup(lookup->subjects));
    } else if (auto* evaluation = std::get_if<decision_process::policy_step>(&step)) {
      run.policy_inputs.push_back(evaluation->input);
      step = process.on_policy(policy(evaluation->input));
    } else if (auto* claim = std::get_if<decision_process::claim_step>(&step)) {
      step = process.on_claimed(registry.claim(claim->subjects, claim->tenant));
      if (process.last_claim_lost())
        ++run.claims_lost;
    } else {
      run.reply = std::get<decision_process::reply_step>(step);
      return run;
    }
  }
  ADD_FAILURE() << "decision did not finish within 20 steps";
  return run;
}

// view_ownership: resource_tenant and subject tenants

TEST(ViewOwnership, OwnedByCallerGivesCallerTenant) {
  owner_map owners{{{"user_id", "alice"}, "acme"}};
  ownership_view view =
      view_ownership(make_request("acme", "read", {{"user_id", "alice", ""}}), owners);
  EXPECT_EQ(view.resource_tenant, "acme");
  ASSERT_EQ(view.subjects.size(), 1u);
  EXPECT_EQ(view.subjects[0].tenant, "acme");
  EXPECT_TRUE(view.to_claim.empty());
}

TEST(ViewOwnership, FirstForeignOwnerWins) {
  owner_map owners{{{"user_id", "alice"}, "acme"},
                   {{"agent_id", "planner"}, "globex"},
                   {{"run_id", "r1"}, "initech"}};
  ownership_view view = view_ownership(
      make_request("acme", "read",
                   {{"user_id", "alice", ""}, {"agent_id", "planner", ""}, {"run_id", "r1", ""}}),
      owners);
  EXPECT_EQ(view.resource_tenant, "globex");
  EXPECT_EQ(view.subjects[1].tenant, "globex");
  EXPECT_EQ(view.subjects[2].tenant, "initech");
}

TEST(ViewOwnership, ForeignOwnerBeatsUnownedSubject) {
  owner_map owners{{{"agent_id", "planner"}, "globex"}};
  ownership_view view = view_ownership(
      make_request("acme", "read", {{"memory_id", "m1", ""}, {"agent_id", "planner", ""}}), owners);
  EXPECT_EQ(view.resource_tenant, "globex");
  EXPECT_EQ(view.subjects[0].tenant, "");
}

TEST(ViewOwnership, UnownedReadGivesEmptyTenant) {
  ownership_view view =
      view_ownership(make_request("acme", "read", {{"user_id", "alice", ""}}), {});
  EXPECT_EQ(view.resource_tenant, "");
  EXPECT_EQ(view.subjects[0].tenant, "");
  EXPECT_TRUE(view.to_claim.empty());
}

TEST(ViewOwnership, UnownedWriteIsClaimedAsCaller) {
  ownership_view view = view_ownership(
      make_request("acme", "write", {{"user_id", "alice", ""}, {"run_id", "r1", ""}}), {});
  EXPECT_EQ(view.resource_tenant, "acme");
  EXPECT_EQ(view.subjects[0].tenant, "acme");
  EXPECT_EQ(view.subjects[1].tenant, "acme");
  std::vector<subject_key> expected{{"run_id", "r1"}, {"user_id", "alice"}};
  EXPECT_EQ(view.to_claim, expected);
}

TEST(ViewOwnership, WriteNeverClaimsMemoryId) {
  ownership_view view = view_ownership(
      make_request("acme", "write", {{"user_id", "alice", ""}, {"memory_id", "m1", ""}}), {});
  EXPECT_EQ(view.resource_tenant, "");
  EXPECT_EQ(view.subjects[1].tenant, "");
  std::vector<subject_key> expected{{"user_id", "alice"}};
  EXPECT_EQ(view.to_claim, expected);
}

TEST(ViewOwnership, WriteNeverClaimsWildcardOrEmptyId) {
  ownership_view view = view_ownership(
      make_request("acme", "write", {{"user_id", "*", ""}, {"agent_id", "", ""}}), {});
  EXPECT_EQ(view.resource_tenant, "");
  EXPECT_TRUE(view.to_claim.empty());
}

TEST(ViewOwnership, EmptyCallerTenantClaimsNothing) {
  ownership_view view = view_ownership(make_request("", "write", {{"user_id", "alice", ""}}), {});
  EXPECT_TRUE(view.to_claim.empty());
  EXPECT_EQ(view.resource_tenant, "");
}

TEST(ViewOwnership, DuplicateSubjectClaimedOnce) {
  ownership_view view = view_ownership(
      make_request("acme", "write", {{"user_id", "alice", ""}, {"user_id", "alice", ""}}), {});
  EXPECT_EQ(view.to_claim.size(), 1u);
  EXPECT_EQ(view.subjects.size(), 2u);
}

TEST(ViewOwnership, NoSubjectsGivesCallerTenant) {
  ownership_view view = view_ownership(make_request("acme", "read", {}), {});
  EXPECT_EQ(view.resource_tenant, "acme");
}

// decision_process with the fake registry

TEST(DecisionProcess, SameTenantReadAllowed) {
  fake_registry registry;
  registry.rows[{"user_id", "alice"}] = "acme";
  run_result run = run_process(make_request("acme", "read", {{"user_id", "alice", ""}}), registry);
  EXPECT_TRUE(run.reply.reply.allowed);
  EXPECT_EQ(run.reply.outcome, "allow");
  EXPECT_EQ(run.reply.reply.resource_tenant, "acme");
  EXPECT_EQ(run.reply.reply.policy_revision, "rev-7");
  EXPECT_EQ(run.reply.reply.reason, "");
  EXPECT_EQ(registry.claims, 0);
}

TEST(DecisionProcess, CrossTenantReadDenied) {
  fake_registry registry;
  registry.rows[{"user_id", "alice"}] = "acme";
  run_result run =
      run_process(make_request("globex", "read", {{"user_id", "alice", ""}}), registry);
  EXPECT_FALSE(run.reply.reply.allowed);
  EXPECT_EQ(run.reply.outcome, "deny");
  EXPECT_FALSE(run.reply.reply.dependency_failed) << "a policy denial is not a failure";
  EXPECT_EQ(run.reply.reply.resource_tenant, "acme");
  EXPECT_EQ(run.reply.reply.reason, "resource belongs to acme, requester is globex");
  ASSERT_EQ(run.policy_inputs.size(), 1u);
  EXPECT_EQ(run.policy_inputs[0]["subjects"][0]["tenant"], "acme");
}

TEST(DecisionProcess, NewSubjectWriteClaimsForCaller) {
  fake_registry registry;
  run_result run = run_process(make_request("acme", "write", {{"user_id", "alice", ""}}), registry);
  EXPECT_TRUE(run.reply.reply.allowed);
  EXPECT_EQ(run.reply.reply.resource_tenant, "acme");
  EXPECT_EQ(run.reply.reply.policy_revision, "rev-7");
  EXPECT_EQ(registry.claims, 1);
  EXPECT_EQ(registry.rows[(subject_key{"user_id", "alice"})], "acme");
  ASSERT_EQ(run.policy_inputs.size(), 1u);
  EXPECT_EQ(run.policy_inputs[0]["resource_tenant"], "acme");
  EXPECT_EQ(run.policy_inputs[0]["subjects"][0]["tenant"], "acme");
}

TEST(DecisionProcess, DeniedWriteClaimsNothing) {
  fake_registry registry;
  auto deny_all = [](const nlohmann::json&) {
    policy_outcome outcome;
    outcome.evaluated = true;
    outcome.reason = "role agent-reader may not perform write";
    return outcome;
  };
  run_result run =
      run_process(make_request("acme", "write", {{"user_id", "alice", ""}}), registry, deny_all);
  EXPECT_FALSE(run.reply.reply.allowed);
  EXPECT_EQ(run.reply.reply.reason, "role agent-reader may not perform write");
  EXPECT_EQ(registry.claims, 0);
  EXPECT_TRUE(registry.rows.empty());
}

TEST(DecisionProcess, LostClaimReevaluatesWithWinner) {
  fake_registry registry;
  registry.before_claim = [&registry] { registry.rows[{"user_id", "alice"}] = "globex"; };
  run_result run = run_process(make_request("acme", "write", {{"user_id", "alice", ""}}), registry);
  EXPECT_FALSE(run.reply.reply.allowed);
  EXPECT_EQ(run.reply.outcome, "deny");
  EXPECT_FALSE(run.reply.reply.dependency_failed) << "a policy denial is not a failure";
  EXPECT_EQ(run.reply.reply.resource_tenant, "globex");
  EXPECT_EQ(run.reply.reply.reason, "resource belongs to globex, requester is acme");
  EXPECT_EQ(run.claims_lost, 1);
  ASSERT_EQ(run.policy_inputs.size(), 2u);
  EXPECT_EQ(run.policy_inputs[1]["resource_tenant"], "globex");
  EXPECT_EQ(run.policy_inputs[1]["subjects"][0]["tenant"], "globex");
}

TEST(DecisionProcess, LostClaimRollsBackOtherSubjects) {
  fake_registry registry;
  registry.before_claim = [&registry] { registry.rows[{"user_id", "alice"}] = "globex"; };
  run_result run = run_process(
      make_request("acme", "write", {{"agent_id", "planner", ""}, {"user_id", "alice", ""}}),
      registry);
  EXPECT_FALSE(run.reply.reply.allowed);
  EXPECT_EQ(run.reply.reply.resource_tenant, "globex");
  EXPECT_EQ(registry.rows.count({"agent_id", "planner"}), 0u);
}

TEST(DecisionProcess, SameTenantRaceCountsAsWon) {
  fake_registry registry;
  registry.before_claim = [&registry] { registry.rows[{"user_id", "alice"}] = "acme"; };
  run_result run = run_process(make_request("acme", "write", {{"user_id", "alice", ""}}), registry);
  EXPECT_TRUE(run.reply.reply.allowed);
  EXPECT_EQ(run.claims_lost, 0);
}

TEST(DecisionProcess, PlatformAdminLostClaimsTerminate) {
  // A registry where every claim loses to a new tenant: the process must end
  // after the cap instead of claiming forever.
  fake_registry registry;
  int round = 0;
  auto allow_all = [](const nlohmann::json&) {
    policy_outcome outcome;
    outcome.evaluated = true;
    outcome.allowed = true;
    return outcome;
  };
  authz_request request = make_request("ops", "write",
                                       {{"user_id", "u1", ""},
                                        {"user_id", "u2", ""},
                                        {"user_id", "u3", ""},
                                        {"user_id", "u4", ""},
                                        {"user_id", "u5", ""}},
                                       "user_id:u1", {"platform-admin"});
  registry.before_claim = [&] {
    ++round;
    registry.rows[{"user_id", "u" + std::to_string(round)}] = "tenant-" + std::to_string(round);
  };
  run_result run = run_process(request, registry, allow_all);
  EXPECT_FALSE(run.reply.reply.allowed);
  EXPECT_EQ(run.reply.outcome, "error");
  EXPECT_TRUE(run.reply.reply.dependency_failed);
  EXPECT_LE(registry.claims, 4);
}

TEST(DecisionProcess, PlatformAdminWinsSecondClaim) {
  fake_registry registry;
  bool first = true;
  registry.before_claim = [&] {
    if (first)
      registry.rows[{"user_id", "alice"}] = "acme";
    first = false;
  };
  run_result run =
      run_process(make_request("ops", "write", {{"user_id", "alice", ""}, {"run_id", "r1", ""}},
                               "user_id:alice", {"platform-admin"}),
                  registry);
  EXPECT_TRUE(run.reply.reply.allowed);
  EXPECT_EQ(run.reply.reply.resource_tenant, "acme");
  EXPECT_EQ(registry.claims, 2);
  EXPECT_EQ(registry.rows[(subject_key{"run_id", "r1"})], "ops");
}

TEST(DecisionProcess, RegistryDownFailsClosed) {
  fake_registry registry;
  registry.available = false;
  run_result run = run_process(make_request("acme", "read", {{"user_id", "alice", ""}}), registry);
  EXPECT_FALSE(run.reply.reply.allowed);
  EXPECT_EQ(run.reply.outcome, "error");
  EXPECT_TRUE(run.reply.reply.dependency_failed);
  EXPECT_EQ(run.reply.reply.reason, "ownership registry unavailable: connection refused");
  EXPECT_TRUE(run.policy_inputs.empty());
}

TEST(DecisionProcess, ClaimFailureFailsClosed) {
  fake_registry registry;
  registry.before_claim = [&registry] { registry.available = false; };
  run_result run = run_process(make_request("acme", "write", {{"user_id", "alice", ""}}), registry);
  EXPECT_FALSE(run.reply.reply.allowed);
  EXPECT_EQ(run.reply.outcome, "error");
  EXPECT_TRUE(run.reply.reply.dependency_failed);
  EXPECT_EQ(run.reply.reply.reason, "ownership registry unavailable: connection refused");
}

TEST(DecisionProcess, PolicyFailureFailsClosed) {
  fake_registry registry;
  auto broken = [](const nlohmann::json&) {
    return engine_failure("timeout", "no answer from OPA within 200 ms");
  };
  run_result run =
      run_process(make_request("acme", "write", {{"user_id", "alice", ""}}), registry, broken);
  EXPECT_FALSE(run.reply.reply.allowed);
  EXPECT_EQ(run.reply.outcome, "error");
  EXPECT_TRUE(run.reply.reply.dependency_failed);
  EXPECT_EQ(run.reply.reply.reason, "policy engine unavailable: no answer from OPA within 200 ms");
  EXPECT_EQ(registry.claims, 0);
}

TEST(DecisionProcess, WildcardSkipsRegistry) {
  fake_registry registry;
  run_result run = run_process(
      make_request("acme", "admin", {{"user_id", "alice", "given"}}, "*", {"admin"}), registry);
  EXPECT_EQ(registry.lookups, 0);
  ASSERT_EQ(run.policy_inputs.size(), 1u);
  EXPECT_EQ(run.policy_inputs[0]["resource_tenant"], "");
  EXPECT_EQ(run.policy_inputs[0]["subjects"][0]["tenant"], "given");
  EXPECT_FALSE(run.reply.reply.allowed);
}

TEST(DecisionProcess, NoSubjectsSkipsRegistry) {
  fake_registry registry;
  run_result run = run_process(make_request("acme", "read", {}, "memory:m1"), registry);
  EXPECT_EQ(registry.lookups, 0);
  EXPECT_TRUE(run.reply.reply.allowed);
  EXPECT_EQ(run.reply.reply.resource_tenant, "acme");
}

TEST(DecisionProcess, NulInSubjectDenied) {
  fake_registry registry;
  run_result run = run_process(
      make_request("acme", "read", {{"user_id", std::string("alice\0x", 7), ""}}), registry);
  EXPECT_FALSE(run.reply.reply.allowed);
  EXPECT_EQ(run.reply.outcome, "deny");
  EXPECT_FALSE(run.reply.reply.dependency_failed) << "a policy denial is not a failure";
  EXPECT_EQ(run.reply.reply.reason, "subject user_id contains a NUL byte");
  EXPECT_EQ(registry.lookups, 0);
}

TEST(DecisionProcess, TooManySubjectsDenied) {
  fake_registry registry;
  std::vector<subject_ref> subjects(kMaxSubjects + 1, subject_ref{"user_id", "alice", ""});
  run_result run = run_process(make_request("acme", "read", subjects), registry);
  EXPECT_FALSE(run.reply.reply.allowed);
  EXPECT_EQ(run.reply.outcome, "deny");
  EXPECT_FALSE(run.reply.reply.dependency_failed) << "a policy denial is not a failure";
  EXPECT_EQ(registry.lookups, 0);
}

TEST(DecisionProcess, LookupAsksDistinctSubjects) {
  decision_process process(
      make_request("acme", "read", {{"user_id", "alice", ""}, {"user_id", "alice", ""}}));
  decision_process::step step = process.start();
  auto* lookup = std::get_if<decision_process::lookup_step>(&step);
  ASSERT_NE(lookup, nullptr);
  EXPECT_EQ(lookup->subjects.size(), 1u);
}

// Unknown memory ids: sent back to the ingress for resolution

TEST(DecisionProcess, UnknownMemoryIdAsksForResolution) {
  fake_registry registry;
  const std::string id = "0b9f5c3e-2f0c-4a53-9d52-6f0d8c1e7a10";
  run_result run =
      run_process(make_request("acme", "read", {{"memory_id", id, ""}}, "memory:" + id), registry);
  EXPECT_FALSE(run.reply.reply.allowed);
  EXPECT_EQ(run.reply.outcome, "resolve");
  EXPECT_FALSE(run.reply.reply.dependency_failed);
  EXPECT_EQ(run.reply.reply.unknown_memory_ids, std::vector<std::string>{id});
  EXPECT_TRUE(run.policy_inputs.empty()) << "the policy waits for the resolution";
}

TEST(DecisionProcess, KnownMemoryIdEvaluatesAtOnce) {
  fake_registry registry;
  const std::string id = "0b9f5c3e-2f0c-4a53-9d52-6f0d8c1e7a10";
  registry.rows[{"memory_id", id}] = "acme";
  run_result run = run_process(
      make_request("globex", "read", {{"memory_id", id, ""}}, "memory:" + id), registry);
  EXPECT_EQ(run.reply.outcome, "deny");
  EXPECT_TRUE(run.reply.reply.unknown_memory_ids.empty());
  EXPECT_EQ(run.reply.reply.reason, "resource belongs to acme, requester is globex");
}

TEST(DecisionProcess, ResolvedRequestDecidesUnowned) {
  fake_registry registry;
  const std::string id = "0b9f5c3e-2f0c-4a53-9d52-6f0d8c1e7a10";
  authz_request request = make_request("acme", "read", {{"memory_id", id, ""}}, "memory:" + id);
  request.memory_ids_resolved = true;
  run_result run = run_process(request, registry);
  EXPECT_EQ(run.reply.outcome, "deny");
  EXPECT_TRUE(run.reply.reply.unknown_memory_ids.empty());
  EXPECT_EQ(run.reply.reply.reason, "resource has no owning tenant");
  ASSERT_EQ(run.policy_inputs.size(), 1u);
  EXPECT_EQ(run.policy_inputs[0]["resource_tenant"], "");
}

TEST(DecisionProcess, CrossTenantFlagCopiedFromPolicy) {
  fake_registry registry;
  registry.rows[{"user_id", "alice"}] = "acme";
  auto exempting_policy = [](const nlohmann::json& input) {
    policy_outcome outcome = tenancy_policy(input);
    outcome.cross_tenant = true;
    return outcome;
  };
  run_result run = run_process(make_request("acme", "read", {{"user_id", "alice", ""}}), registry,
                               exempting_policy);
  EXPECT_TRUE(run.reply.reply.allowed);
  EXPECT_TRUE(run.reply.reply.cross_tenant);

  run_result plain =
      run_process(make_request("acme", "read", {{"user_id", "alice", ""}}), registry);
  EXPECT_FALSE(plain.reply.reply.cross_tenant);
}

TEST(DecisionProcess, TargetTenantIsResourceTenant) {
  fake_registry registry;
  registry.rows[{"user_id", "alice"}] = "tenant-b";
  authz_request request;
  request.request_id = "r1";
  request.tenant = "tenant-a";
  request.roles = {"admin"};
  request.action = "subjects.assign";
  request.resource = "tenant:tenant-b,user_id:alice";
  request.target_tenant = "tenant-b";
  run_result run = run_process(request, registry);
  EXPECT_EQ(registry.lookups, 0);
  EXPECT_EQ(registry.claims, 0);
  ASSERT_EQ(run.policy_inputs.size(), 1u);
  EXPECT_EQ(run.policy_inputs[0]["resource_tenant"], "tenant-b");
  EXPECT_TRUE(run.policy_inputs[0]["subjects"].empty());
  EXPECT_FALSE(run.reply.reply.allowed);
  EXPECT_EQ(run.reply.reply.resource_tenant, "tenant-b");
}

TEST(DecisionProcess, TargetTenantOwnTenantAllowed) {
  fake_registry registry;
  authz_request request;
  request.request_id = "r2";
  request.tenant = "tenant-a";
  request.roles = {"admin"};
  request.action = "subjects.list";
  request.resource = "tenant:tenant-a";
  request.target_tenant = "tenant-a";
  run_result run = run_process(request, registry);
  EXPECT_EQ(registry.lookups, 0);
  EXPECT_EQ(registry.claims, 0);
  EXPECT_TRUE(run.reply.reply.allowed);
  EXPECT_EQ(run.reply.outcome, "allow");
}

}  // namespace
}  // namespace memgov::authz
