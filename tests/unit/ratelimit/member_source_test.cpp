#include <gtest/gtest.h>

#include <mutex>
#include <set>
#include <thread>

#include "member_source.hpp"

namespace memgov::ratelimit {
namespace {

TEST(MemberSource, NeverRepeatsAcrossThreads) {
  member_source members;
  std::set<std::string> seen;
  std::mutex seen_mutex;
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      std::vector<std::string> mine;
      for (int i = 0; i < 5000; ++i) {
        mine.push_back(members.next());
      }
      std::lock_guard<std::mutex> lock(seen_mutex);
      seen.insert(mine.begin(), mine.end());
    });
  }
  for (std::thread& thread : threads) {
    thread.join();
  }
  EXPECT_EQ(seen.size(), 20000u);
}

TEST(MemberSource, ProcessesGetDifferentPrefixes) {
  member_source first;
  member_source second;
  EXPECT_NE(first.prefix(), second.prefix());
  EXPECT_NE(first.next(), second.next());
  EXPECT_EQ(first.next().rfind(first.prefix(), 0), 0u);
}

}  // namespace
}  // namespace memgov::ratelimit
