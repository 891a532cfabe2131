#include "decision_cache.hpp"

#include <gtest/gtest.h>

namespace memgov::authz {
namespace {

using namespace std::chrono_literals;

policy_outcome allowed_outcome() {
  policy_outcome outcome;
  outcome.evaluated = true;
  outcome.allowed = true;
  outcome.revision = "r1";
  return outcome;
}

nlohmann::json input_for(const std::string& request_id, const std::string& tenant) {
  return {{"action", "read"},   {"tenant", tenant},         {"resource_tenant", tenant},
          {"roles", {"agent"}}, {"request_id", request_id}, {"time", "2026-12-04T10:00:00Z"}};
}

TEST(DecisionCache, KeyIgnoresRequestIdAndTime) {
  nlohmann::json later = input_for("r2", "acme");
  later["time"] = "2026-12-04T10:00:01Z";
  EXPECT_EQ(decision_cache::key_of(input_for("r1", "acme")), decision_cache::key_of(later));
  EXPECT_NE(decision_cache::key_of(input_for("r1", "acme")),
            decision_cache::key_of(input_for("r1", "globex")));
}

TEST(DecisionCache, ReturnsStoredOutcomeUntilTtl) {
  decision_cache cache(1000ms, 10);
  auto now = decision_cache::clock_type::now();
  cache.store("k", allowed_outcome(), now);
  auto hit = cache.find("k", now + 999ms);
  ASSERT_TRUE(hit);
  EXPECT_TRUE(hit->allowed);
  EXPECT_EQ(hit->revision, "r1");
  EXPECT_FALSE(cache.find("k", now + 1000ms)) << "an entry expires at its ttl";
}

TEST(DecisionCache, NeverStoresEngineFailures) {
  decision_cache cache(1000ms, 10);
  cache.store("k", engine_failure("timeout", "no answer"));
  EXPECT_FALSE(cache.find("k"));
}

TEST(DecisionCache, ZeroTtlDisablesCache) {
  decision_cache cache(0ms, 10);
  EXPECT_FALSE(cache.enabled());
  cache.store("k", allowed_outcome());
  EXPECT_FALSE(cache.find("k"));
}

TEST(DecisionCache, StaysWithinMaxEntries) {
  decision_cache cache(1000ms, 2);
  cache.store("a", allowed_outcome());
  cache.store("b", allowed_outcome());
  cache.store("c", allowed_outcome());
  EXPECT_TRUE(cache.find("c"));
  int left = (cache.find("a") ? 1 : 0) + (cache.find("b") ? 1 : 0);
  EXPECT_LE(left, 1) << "a full cache makes room before storing";
}

}  // namespace
}  // namespace memgov::authz
