#include "ownership_cache.hpp"

#include <gtest/gtest.h>

#include <thread>
#include <vector>

namespace memgov::authz {
namespace {

TEST(OwnershipCache, FindsInsertedOwner) {
  ownership_cache cache(4);
  cache.insert({"user_id", "alice"}, "acme");
  EXPECT_EQ(cache.find({"user_id", "alice"}), "acme");
  EXPECT_EQ(cache.find({"agent_id", "alice"}), std::nullopt);
}

TEST(OwnershipCache, KindAndIdDoNotCollide) {
  ownership_cache cache(4);
  cache.insert({"user_id", "a"}, "one");
  cache.insert({"user_ida", ""}, "two");
  EXPECT_EQ(cache.find({"user_id", "a"}), "one");
  EXPECT_EQ(cache.find({"user_ida", ""}), "two");
}

TEST(OwnershipCache, EvictsLeastRecentlyUsed) {
  ownership_cache cache(2);
  cache.insert({"user_id", "a"}, "t");
  cache.insert({"user_id", "b"}, "t");
  ASSERT_TRUE(cache.find({"user_id", "a"}));  // b is now the oldest.
  cache.insert({"user_id", "c"}, "t");
  EXPECT_EQ(cache.size(), 2u);
  EXPECT_TRUE(cache.find({"user_id", "a"}));
  EXPECT_FALSE(cache.find({"user_id", "b"}));
  EXPECT_TRUE(cache.find({"user_id", "c"}));
}

TEST(OwnershipCache, ZeroCapacityNeverStores) {
  ownership_cache cache(0);
  cache.insert({"user_id", "a"}, "t");
  EXPECT_FALSE(cache.find({"user_id", "a"}));
  EXPECT_EQ(cache.size(), 0u);
}

TEST(OwnershipCache, EmptyTenantNotStored) {
  ownership_cache cache(2);
  cache.insert({"user_id", "a"}, "");
  EXPECT_FALSE(cache.find({"user_id", "a"}));
}

TEST(OwnershipCache, ConcurrentUseStaysBounded) {
  ownership_cache cache(100);
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&cache, t] {
      for (int i = 0; i < 5000; ++i) {
        subject_key key{"user_id", std::to_string(t) + "-" + std::to_string(i % 300)};
        cache.insert(key, "tenant");
        cache.find(key);
      }
    });
  }
  for (auto& thread : threads)
    thread.join();
  EXPECT_EQ(cache.size(), 100u);
}

}  // namespace
}  // namespace memgov::authz
