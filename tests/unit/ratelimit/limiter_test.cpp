// The sliding-window log with hand-set times: every case names the times of the requests
// and the decision expected for each.
#include <gtest/gtest.h>

#include <random>
#include <vector>

#include "manual_clock.hpp"
#include "sliding_window_limiter.hpp"

namespace memgov::ratelimit {
namespace {

using testing::at_seconds;

constexpr std::chrono::seconds kWindow{60};
const std::string kKey = make_rate_key("acme-corp", "alice");

struct step {
  double time_seconds;
  bool allowed;
  std::uint32_t remaining;
  std::uint32_t reset_seconds;
  std::uint32_t retry_after_seconds;
};

void run_steps(const char* name, std::uint32_t limit, const std::vector<step>& steps) {
  sliding_window_limiter limiter(kWindow, 100);
  for (std::size_t i = 0; i < steps.size(); ++i) {
    const step& expected = steps[i];
    SCOPED_TRACE(std::string(name) + " step " + std::to_string(i) +
                 " at t=" + std::to_string(expected.time_seconds));
    limit_decision got = limiter.check(kKey, limit, at_seconds(expected.time_seconds));
    EXPECT_EQ(got.allowed(), expected.allowed);
    EXPECT_EQ(got.limit, limit);
    EXPECT_EQ(got.remaining, expected.remaining);
    EXPECT_EQ(got.reset_seconds, expected.reset_seconds);
    EXPECT_EQ(got.retry_after_seconds, expected.retry_after_seconds);
  }
}

TEST(SlidingWindowLimiter, LimitExactlyReached) {
  run_steps("limit 3", 3,
            {
                {0, true, 2, 60, 0},
                {1, true, 1, 59, 0},
                {2, true, 0, 58, 0},
                {3, false, 0, 57, 57},
            });
}

TEST(SlidingWindowLimiter, DenialDoesNotConsume) {
  // If the denials at t=2..59 were counted, the request at t=61 would be denied too.
  std::vector<step> steps = {{0, true, 1, 60, 0}, {1, true, 0, 59, 0}};
  for (int t = 2; t < 60; ++t) {
    steps.push_back({static_cast<double>(t), false, 0, static_cast<std::uint32_t>(60 - t),
                     static_cast<std::uint32_t>(60 - t)});
  }
  steps.push_back({60, true, 0, 1, 0});   // t=0 has left the window.
  steps.push_back({61, true, 0, 59, 0});  // t=1 has left the window.
  run_steps("limit 2", 2, steps);
}

TEST(SlidingWindowLimiter, WindowSlides) {
  run_steps("limit 3", 3,
            {
                {0, true, 2, 60, 0},
                {10, true, 1, 50, 0},
                {20, true, 0, 40, 0},
                {59.999, false, 0, 1, 1},
                {60, true, 0, 10, 0},  // A request leaves exactly one window after it.
                {60.5, false, 0, 10, 10},
                {70, true, 0, 10, 0},
            });
}

TEST(SlidingWindowLimiter, RetryAfterIsExact) {
  struct retry_case {
    double time_seconds;
    std::uint32_t retry_after_seconds;
  };
  // Requests at t=0, 10 and 20 under limit 3; the t=0 request leaves at t=60.
  const retry_case cases[] = {
      {25, 35}, {30, 30}, {30.2, 30}, {59, 1}, {59.5, 1}, {59.999999999, 1}, {20.5, 40},
  };
  for (const retry_case& c : cases) {
    SCOPED_TRACE("retry at t=" + std::to_string(c.time_seconds));
    sliding_window_limiter limiter(kWindow, 100);
    ASSERT_TRUE(limiter.check(kKey, 3, at_seconds(0)).allowed());
    ASSERT_TRUE(limiter.check(kKey, 3, at_seconds(10)).allowed());
    ASSERT_TRUE(limiter.check(kKey, 3, at_seconds(20)).allowed());
    limit_decision got = limiter.check(kKey, 3, at_seconds(c.time_seconds));
    EXPECT_FALSE(got.allowed());
    EXPECT_EQ(got.retry_after_seconds, c.retry_after_seconds);
    EXPECT_EQ(got.reset_seconds, c.retry_after_seconds);
  }
}

TEST(SlidingWindowLimiter, RetryAfterStaysWithinOneToWindow) {
  std::mt19937 random(7);
  std::uniform_int_distribution<std::int64_t> gap_ns(0, 3'000'000'000);
  sliding_window_limiter limiter(kWindow, 100);
  std::int64_t now = 0;
  int denials = 0;
  for (int i = 0; i < 20000; ++i) {
    now += gap_ns(random);
    limit_decision got = limiter.check(kKey, 25, clock_time(now));
    if (!got.allowed()) {
      ++denials;
      ASSERT_GE(got.retry_after_seconds, 1u) << "at " << now << " ns";
      ASSERT_LE(got.retry_after_seconds, 60u) << "at " << now << " ns";
    } else {
      ASSERT_EQ(got.retry_after_seconds, 0u);
    }
    ASSERT_LE(got.reset_seconds, 60u);
  }
  EXPECT_GT(denials, 0);
}

TEST(SlidingWindowLimiter, ZeroLimitDeniesWithFullWindow) {
  sliding_window_limiter limiter(kWindow, 100);
  limit_decision got = limiter.check(kKey, 0, at_seconds(5));
  EXPECT_FALSE(got.allowed());
  EXPECT_EQ(got.remaining, 0u);
  EXPECT_EQ(got.reset_seconds, 60u);
  EXPECT_EQ(got.retry_after_seconds, 60u);
  EXPECT_EQ(limiter.keys_tracked(), 0u);
}

TEST(SlidingWindowLimiter, ZeroLimitOnTrackedKey) {
  // A reload may set a role's limit to 0 while its keys still hold admissions.
  sliding_window_limiter limiter(kWindow, 100);
  ASSERT_TRUE(limiter.check(kKey, 5, at_seconds(0)).allowed());
  limit_decision got = limiter.check(kKey, 0, at_seconds(10));
  EXPECT_FALSE(got.allowed());
  EXPECT_EQ(got.limit, 0u);
  EXPECT_EQ(got.retry_after_seconds, 60u);
}

TEST(SlidingWindowLimiter, SmallerLimitAfterRoleChange) {
  sliding_window_limiter limiter(kWindow, 100);
  for (int t = 0; t < 5; ++t) {
    ASSERT_TRUE(limiter.check(kKey, 5, at_seconds(t)).allowed());
  }
  // Five counted under limit 3: the count drops below 3 once t=2 leaves, at t=62.
  limit_decision got = limiter.check(kKey, 3, at_seconds(10));
  EXPECT_FALSE(got.allowed());
  EXPECT_EQ(got.retry_after_seconds, 52u);
  EXPECT_EQ(got.reset_seconds, 50u);
  EXPECT_FALSE(limiter.check(kKey, 3, at_seconds(61.5)).allowed());
  EXPECT_TRUE(limiter.check(kKey, 3, at_seconds(62)).allowed());
}

TEST(SlidingWindowLimiter, KeysAreSeparate) {
  EXPECT_NE(make_rate_key("a:b", "c"), make_rate_key("a", "b:c"));
  EXPECT_NE(make_rate_key("1:a", "b"), make_rate_key("1", ":ab"));
  EXPECT_NE(make_rate_key("", "ab"), make_rate_key("a", "b"));

  sliding_window_limiter limiter(kWindow, 100);
  const std::string first = make_rate_key("a:b", "c");
  const std::string second = make_rate_key("a", "b:c");
  ASSERT_TRUE(limiter.check(first, 1, at_seconds(0)).allowed());
  EXPECT_FALSE(limiter.check(first, 1, at_seconds(1)).allowed());
  EXPECT_TRUE(limiter.check(second, 1, at_seconds(1)).allowed());
  EXPECT_TRUE(limiter.check(make_rate_key("other-tenant", "c"), 1, at_seconds(1)).allowed());
  EXPECT_EQ(limiter.keys_tracked(), 3u);
}

TEST(SlidingWindowLimiter, IdleKeysExpire) {
  sliding_window_limiter limiter(kWindow, 100);
  limiter.check(make_rate_key("t", "early"), 5, at_seconds(0));
  limiter.check(make_rate_key("t", "late"), 5, at_seconds(30));
  EXPECT_EQ(limiter.expire_idle(at_seconds(59)), 0u);
  EXPECT_EQ(limiter.expire_idle(at_seconds(60)), 1u);
  EXPECT_EQ(limiter.keys_tracked(), 1u);
  EXPECT_EQ(limiter.expire_idle(at_seconds(90)), 1u);
  EXPECT_EQ(limiter.keys_tracked(), 0u);
}

TEST(SlidingWindowLimiter, FullKeyTableDeniesNewKeys) {
  sliding_window_limiter limiter(kWindow, 2);
  ASSERT_TRUE(limiter.check(make_rate_key("t", "a"), 5, at_seconds(0)).allowed());
  ASSERT_TRUE(limiter.check(make_rate_key("t", "b"), 5, at_seconds(1)).allowed());
  limit_decision got = limiter.check(make_rate_key("t", "c"), 5, at_seconds(2));
  EXPECT_EQ(got.result, outcome::key_table_full);
  EXPECT_EQ(got.retry_after_seconds, 1u);
  // Known keys still work while the table is full.
  EXPECT_TRUE(limiter.check(make_rate_key("t", "a"), 5, at_seconds(3)).allowed());
  limiter.expire_idle(at_seconds(61.5));
  EXPECT_TRUE(limiter.check(make_rate_key("t", "c"), 5, at_seconds(61.5)).allowed());
}

TEST(SlidingWindowLimiter, ClockStepBackIsTolerated) {
  sliding_window_limiter limiter(kWindow, 100);
  ASSERT_TRUE(limiter.check(kKey, 2, at_seconds(10)).allowed());
  ASSERT_TRUE(limiter.check(kKey, 2, at_seconds(5)).allowed());
  limit_decision got = limiter.check(kKey, 2, at_seconds(11));
  EXPECT_FALSE(got.allowed());
  EXPECT_EQ(got.retry_after_seconds, 59u);
}

}  // namespace
}  // namespace memgov::ratelimit
