// One Redis connection's timers, with a socket pair standing in for the server so that
// replies arrive only when the test writes them.
#include <gtest/gtest.h>

#include <sys/socket.h>
#include <unistd.h>

#include <thread>

#include <prometheus/registry.h>

#include "redis_connection.hpp"

namespace memgov::ratelimit {
namespace {

using namespace std::chrono_literals;

class RedisConnectionTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_EQ(::socketpair(AF_UNIX, SOCK_STREAM, 0, fds_), 0); }

  void TearDown() override {
    connection_.reset();
    ::close(fds_[1]);
  }

  // Opens a connection whose socket is one end of the pair. The test keeps the other end.
  void open(int index, std::chrono::milliseconds timeout, std::chrono::milliseconds health) {
    connection_options options;
    options.index = index;
    options.timeout = timeout;
    options.health_interval = health;
    options.members = &members_;
    options.metrics = &metrics_;
    options.open_count = &open_count_;
    options.last_reply = &last_reply_;
    options.on_failure = [](redis_check&&, const std::string&, const std::string&) {};
    options.request_connect = [this] { ++connect_requests_; };
    connection_ = std::make_unique<redis_connection>(options);
    connection_->run_timers(loop_clock::now());
    ASSERT_EQ(connect_requests_, 1);
    auto result = std::make_shared<connect_result>();
    result->socket = owned_socket(fds_[0]);
    result->script_sha = "0123456789abcdef0123456789abcdef01234567";
    connection_->connected(result);
    ASSERT_TRUE(connection_->is_open());
  }

  int fds_[2] = {-1, -1};
  prometheus::Registry registry_;
  redis_metrics metrics_{registry_};
  member_source members_;
  std::atomic<int> open_count_{0};
  loop_clock::time_point last_reply_{};
  int connect_requests_ = 0;
  std::unique_ptr<redis_connection> connection_;
};

TEST_F(RedisConnectionTest, WaitingPingDoesNotWakeLoopAtOnce) {
  // Connection 1 sends no DBSIZE, so only the PING and its deadline set the next wake-up.
  open(1, 5000ms, 20ms);
  std::this_thread::sleep_for(30ms);
  connection_->run_timers(loop_clock::now());  // Idle: sends a PING that gets no reply.
  std::this_thread::sleep_for(30ms);           // Past the health interval again.

  auto now = loop_clock::now();
  loop_clock::time_point next = connection_->run_timers(now);
  EXPECT_GT(next, now + 1s)
      << "the loop would wake up again in "
      << std::chrono::duration_cast<std::chrono::microseconds>(next - now).count()
      << " us although only a reply 5 s away is due";
  EXPECT_TRUE(connection_->is_open());
  EXPECT_EQ(open_count_.load(), 1);
}

TEST_F(RedisConnectionTest, UnansweredPingClosesAfterTimeout) {
  open(1, 50ms, 20ms);
  std::this_thread::sleep_for(30ms);
  connection_->run_timers(loop_clock::now());  // Sends the PING.
  std::this_thread::sleep_for(80ms);
  connection_->run_timers(loop_clock::now());
  EXPECT_FALSE(connection_->is_open());
  EXPECT_EQ(open_count_.load(), 0);
  EXPECT_NE(connection_->last_error().find("no reply within 50 ms"), std::string::npos)
      << connection_->last_error();
}

}  // namespace
}  // namespace memgov::ratelimit
