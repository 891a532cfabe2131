// The ownership registry against a real PostgreSQL named by
// MEMGOV_TEST_DATABASE_URL; those tests are skipped when it is unset. Ids
// carry a per-run tag, so runs against one database do not collide.
#include "ownership_registry.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <random>
#include <thread>

#include <pqxx/pqxx>

namespace memgov::authz {
namespace {

using namespace std::chrono_literals;

std::string test_database_url() {
  const char* url = std::getenv("MEMGOV_TEST_DATABASE_URL");
  return url ? url : "";
}

std::string run_tag() {
  static const std::string tag = [] {
    std::random_device seed;
    return "t" + std::to_string(std::uniform_int_distribution<long>(0, 1L << 40)(seed));
  }();
  return tag;
}

subject_key user(const std::string& name) {
  return {"user_id", run_tag() + "-" + name};
}

class OwnershipRegistryTest : public ::testing::Test {
 protected:
  void SetUp() override {
    url_ = test_database_url();
    if (url_.empty())
      GTEST_SKIP() << "MEMGOV_TEST_DATABASE_URL is not set";
  }

  ownership_registry make_registry() { return ownership_registry(url_, 2000ms); }

  std::string url_;
};

TEST(TextArrayLiteral, QuotesAndEscapes) {
  EXPECT_EQ(text_array_literal({}), "{}");
  EXPECT_EQ(text_array_literal({"a", ""}), R"({"a",""})");
  EXPECT_EQ(text_array_literal({R"(x"y\z)"}), R"({"x\"y\\z"})");
}

TEST(ConnectionDefaults, AddsParametersToUrl) {
  EXPECT_EQ(with_connection_defaults("postgresql://h/db"),
            "postgresql://h/db?connect_timeout=2&application_name=memgov-authz");
  EXPECT_EQ(with_connection_defaults("postgresql://h/db?sslmode=disable"),
            "postgresql://h/db?sslmode=disable&connect_timeout=2&application_name=memgov-authz");
}

TEST(ConnectionDefaults, KeepsGivenParameters) {
  EXPECT_EQ(with_connection_defaults("host=h dbname=x connect_timeout=9"),
            "host=h dbname=x connect_timeout=9 application_name=memgov-authz");
}

TEST(OwnershipRegistry, UnreachableDatabaseReportsError) {
  // Port 1 on loopback refuses at once.
  ownership_registry registry("postgresql://127.0.0.1:1/memgov", 200ms);
  registry_result first = registry.lookup({user("x")});
  EXPECT_FALSE(first.ok);
  EXPECT_NE(first.error.find("connection failed"), std::string::npos) << first.error;
  EXPECT_EQ(first.error.find('\n'), std::string::npos);
  auto started = std::chrono::steady_clock::now();
  registry_result second = registry.lookup({user("x")});
  EXPECT_FALSE(second.ok);
  EXPECT_LT(std::chrono::steady_clock::now() - started, 100ms);
  EXPECT_FALSE(registry.connected());
}

TEST_F(OwnershipRegistryTest, MigrationRecordsVersion) {
  ownership_registry first = make_registry();
  ASSERT_TRUE(first.ping().ok);
  ownership_registry second = make_registry();
  ASSERT_TRUE(second.ping().ok);
  pqxx::connection connection(url_);
  pqxx::nontransaction tx(connection);
  EXPECT_EQ(tx.exec1("SELECT max(version) FROM authz_schema_version")[0].as<int>(), kSchemaVersion);
  EXPECT_EQ(tx.exec1("SELECT count(*) FROM authz_schema_version WHERE version = 1")[0].as<int>(),
            1);
}

TEST_F(OwnershipRegistryTest, LookupOfUnknownIsEmpty) {
  ownership_registry registry = make_registry();
  registry_result result = registry.lookup({user("nobody")});
  ASSERT_TRUE(result.ok) << result.error;
  EXPECT_TRUE(result.owners.empty());
}

TEST_F(OwnershipRegistryTest, ClaimThenLookup) {
  ownership_registry registry = make_registry();
  registry_result claimed = registry.claim({user("alice")}, "acme");
  ASSERT_TRUE(claimed.ok) << claimed.error;
  EXPECT_EQ(claimed.owners[user("alice")], "acme");
  registry_result found = registry.lookup({user("alice"), user("other")});
  ASSERT_TRUE(found.ok);
  EXPECT_EQ(found.owners.size(), 1u);
  EXPECT_EQ(found.owners[user("alice")], "acme");
}

TEST_F(OwnershipRegistryTest, SecondTenantLosesClaim) {
  ownership_registry registry = make_registry();
  ASSERT_TRUE(registry.claim({user("bob")}, "acme").ok);
  registry_result lost = registry.claim({user("bob")}, "globex");
  ASSERT_TRUE(lost.ok);
  EXPECT_EQ(lost.owners[user("bob")], "acme");
}

TEST_F(OwnershipRegistryTest, LostClaimRollsBackWholeClaim) {
  ownership_registry registry = make_registry();
  ASSERT_TRUE(registry.claim({user("carol")}, "acme").ok);
  std::vector<subject_key> both{user("carol"), user("dave")};
  std::sort(both.begin(), both.end());
  registry_result lost = registry.claim(both, "globex");
  ASSERT_TRUE(lost.ok);
  EXPECT_EQ(lost.owners[user("carol")], "acme");
  EXPECT_EQ(lost.owners.count(user("dave")), 0u);
  EXPECT_TRUE(registry.lookup({user("dave")}).owners.empty());
}

TEST_F(OwnershipRegistryTest, RecordKeepsFirstOwner) {
  ownership_registry registry = make_registry();
  subject_key memory{"memory_id", run_tag() + "-m1"};
  registry_result first = registry.record({memory}, "acme");
  ASSERT_TRUE(first.ok) << first.error;
  EXPECT_EQ(first.owners[memory], "acme");
  registry_result second = registry.record({memory}, "globex");
  ASSERT_TRUE(second.ok);
  EXPECT_EQ(second.owners[memory], "acme");
}

TEST_F(OwnershipRegistryTest, AwkwardIdsRoundTrip) {
  ownership_registry registry = make_registry();
  std::vector<subject_key> subjects;
  for (std::string id : {"a,b", "{brace}", "quote\"d", "back\\slash", "sp ace", "NULL", "é✓"}) {
    subjects.push_back(user(id));
  }
  std::sort(subjects.begin(), subjects.end());
  registry_result claimed = registry.claim(subjects, "acme");
  ASSERT_TRUE(claimed.ok) << claimed.error;
  registry_result found = registry.lookup(subjects);
  ASSERT_TRUE(found.ok);
  EXPECT_EQ(found.owners.size(), subjects.size());
  for (const subject_key& subject : subjects) {
    EXPECT_EQ(found.owners[subject], "acme") << subject.id;
  }
}

TEST_F(OwnershipRegistryTest, ConcurrentClaimsHaveOneWinner) {
  constexpr int kTenants = 6;
  constexpr int kSubjects = 20;
  std::vector<std::vector<registry_result>> results(kTenants);
  std::atomic<bool> go{false};
  std::vector<std::thread> threads;
  for (int t = 0; t < kTenants; ++t) {
    threads.emplace_back([&, t] {
      ownership_registry registry = make_registry();
      registry.ping();
      while (!go.load()) {
      }
      for (int s = 0; s < kSubjects; ++s) {
        // Two subjects per claim, so winners could deadlock if orders differed.
        std::vector<subject_key> pair{user("race-" + std::to_string(s)),
                                      {"run_id", run_tag() + "-race-" + std::to_string(s)}};
        std::sort(pair.begin(), pair.end());
        results[t].push_back(registry.claim(pair, "tenant-" + std::to_string(t)));
      }
    });
  }
  go = true;
  for (auto& thread : threads)
    thread.join();

  for (int s = 0; s < kSubjects; ++s) {
    subject_key subject = user("race-" + std::to_string(s));
    subject_key run{"run_id", run_tag() + "-race-" + std::to_string(s)};
    int winners = 0;
    std::string owner;
    for (int t = 0; t < kTenants; ++t) {
      const registry_result& result = results[t][s];
      ASSERT_TRUE(result.ok) << result.error;
      ASSERT_EQ(result.owners.count(subject), 1u);
      if (owner.empty())
        owner = result.owners.at(subject);
      EXPECT_EQ(result.owners.at(subject), owner);
      EXPECT_EQ(result.owners.at(run), owner);
      if (result.owners.at(subject) == "tenant-" + std::to_string(t))
        ++winners;
    }
    EXPECT_EQ(winners, 1) << subject.id;
  }
}

TEST_F(OwnershipRegistryTest, AssignRecordsOwnerOnce) {
  ownership_registry registry = make_registry();
  subject_key subject = user("assigned");
  assign_result first = registry.assign(subject, "tenant-a");
  ASSERT_TRUE(first.ok) << first.error;
  EXPECT_TRUE(first.created);
  EXPECT_EQ(first.owner, "tenant-a");
  EXPECT_EQ(first.claimed_at.size(), 27u) << first.claimed_at;  // 2026-12-04T18:20:00.123456Z
  EXPECT_EQ(first.claimed_at.back(), 'Z');

  assign_result again = registry.assign(subject, "tenant-a");
  ASSERT_TRUE(again.ok) << again.error;
  EXPECT_FALSE(again.created);
  EXPECT_EQ(again.owner, "tenant-a");
  EXPECT_EQ(again.claimed_at, first.claimed_at);

  assign_result other = registry.assign(subject, "tenant-b");
  ASSERT_TRUE(other.ok) << other.error;
  EXPECT_FALSE(other.created);
  EXPECT_EQ(other.owner, "tenant-a");
}

TEST_F(OwnershipRegistryTest, ListPagesByKindAndId) {
  ownership_registry registry = make_registry();
  std::string tenant = run_tag() + "-lister";
  const std::vector<subject_key> subjects = {{"agent_id", run_tag() + "-a1"},
                                             {"run_id", run_tag() + "-r1"},
                                             {"user_id", run_tag() + "-u1"},
                                             {"user_id", run_tag() + "-u2"}};
  for (const subject_key& subject : subjects)
    ASSERT_TRUE(registry.assign(subject, tenant).ok);
  ASSERT_TRUE(registry.record({{"memory_id", run_tag() + "-m1"}}, tenant).ok);

  list_result all = registry.list(tenant, "", "", "", 10);
  ASSERT_TRUE(all.ok) << all.error;
  EXPECT_FALSE(all.more);
  ASSERT_EQ(all.rows.size(), subjects.size());  // The memory id is not listed.
  for (std::size_t i = 0; i < subjects.size(); ++i) {
    EXPECT_EQ(all.rows[i].kind, subjects[i].kind) << i;
    EXPECT_EQ(all.rows[i].id, subjects[i].id) << i;
  }

  list_result users = registry.list(tenant, "user_id", "", "", 10);
  ASSERT_TRUE(users.ok) << users.error;
  ASSERT_EQ(users.rows.size(), 2u);
  EXPECT_EQ(users.rows[0].id, subjects[2].id);

  list_result first = registry.list(tenant, "", "", "", 2);
  ASSERT_TRUE(first.ok) << first.error;
  EXPECT_TRUE(first.more);
  ASSERT_EQ(first.rows.size(), 2u);
  list_result second = registry.list(tenant, "", first.rows[1].kind, first.rows[1].id, 2);
  ASSERT_TRUE(second.ok) << second.error;
  EXPECT_FALSE(second.more);
  ASSERT_EQ(second.rows.size(), 2u);
  EXPECT_EQ(second.rows[0].id, subjects[2].id);
  EXPECT_EQ(second.rows[1].id, subjects[3].id);
}

}  // namespace
}  // namespace memgov::authz
