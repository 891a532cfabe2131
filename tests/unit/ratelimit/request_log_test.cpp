#include <gtest/gtest.h>

#include "request_log.hpp"

namespace memgov::ratelimit {
namespace {

TEST(RequestLog, KeepsOrderAcrossWrap) {
  request_log log;
  for (int t = 1; t <= 4; ++t) {
    log.push(t, 4);
  }
  log.drop_through(2);
  log.push(5, 4);
  log.push(6, 4);
  ASSERT_EQ(log.size(), 4u);
  EXPECT_EQ(log.at(0), 3);
  EXPECT_EQ(log.at(1), 4);
  EXPECT_EQ(log.at(2), 5);
  EXPECT_EQ(log.at(3), 6);
  EXPECT_EQ(log.capacity(), 4u);
}

TEST(RequestLog, GrowsOnlyUpToMaxSize) {
  request_log log;
  for (int t = 0; t < 5; ++t) {
    log.push(t, 5);
  }
  EXPECT_EQ(log.capacity(), 5u);
  EXPECT_EQ(log.oldest(), 0);
  EXPECT_EQ(log.newest(), 4);
}

TEST(RequestLog, DropThroughIsInclusive) {
  request_log log;
  log.push(10, 8);
  log.push(20, 8);
  log.drop_through(10);
  ASSERT_EQ(log.size(), 1u);
  EXPECT_EQ(log.oldest(), 20);
  log.drop_through(25);
  EXPECT_TRUE(log.empty());
}

}  // namespace
}  // namespace memgov::ratelimit
