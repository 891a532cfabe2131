// Base of the tests that need a real Redis: each test gets its own redis-server.
#pragma once

#include <gtest/gtest.h>

#include "redis_test_server.hpp"

namespace memgov::ratelimit::testing {

class RedisTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (redis_test_server::find_binary().empty()) {
      GTEST_SKIP() << "redis-server is not installed, so the Redis tests are skipped; "
                      "./dev build installs the redis-server package";
    }
    ASSERT_TRUE(server_.start(0, server_args())) << server_.error();
  }

  // Extra redis-server arguments of a fixture.
  virtual std::vector<std::string> server_args() const { return {}; }

  redis_test_server server_;
};

}  // namespace memgov::ratelimit::testing
