// The limiter behind its actors: the in-memory backend with a hand-set clock, and the
// handler served over real ZeroMQ sockets on loopback.
#include <gtest/gtest.h>

#include <future>
#include <random>
#include <thread>

#include <prometheus/registry.h>

#include "manual_clock.hpp"
#include "memory_backend.hpp"
#include "ratelimit_handler.hpp"
#include "ratelimit_metrics.hpp"
#include "runtime/actor_runtime.hpp"
#include "transport/stage_client.hpp"
#include "transport/stage_server.hpp"

namespace memgov::ratelimit {
namespace {

using namespace std::chrono_literals;

class MemoryBackendTest : public ::testing::Test {
 protected:
  void SetUp() override {
    memory_backend_options options;
    options.window = std::chrono::seconds(60);
    options.shards = 2;
    options.max_keys = 1000;
    backend_ = std::make_unique<memory_backend>(runtime_.system(), options, clock_, metrics_);
  }

  void TearDown() override {
    backend_->stop();
    runtime_.system().await_all_actors_done();
  }

  limit_decision check(const std::string& tenant, const std::string& actor, std::uint32_t limit) {
    auto promise = std::make_shared<std::promise<limit_decision>>();
    auto future = promise->get_future();
    backend_->check(make_rate_key(tenant, actor), limit,
                    [promise](const limit_decision& decision) { promise->set_value(decision); });
    if (future.wait_for(3s) != std::future_status::ready) {
      ADD_FAILURE() << "the backend did not call back";
      return {};
    }
    return future.get();
  }

  prometheus::Registry registry_;
  ratelimit_metrics metrics_{registry_, 2};
  std::shared_ptr<testing::manual_clock> clock_ = std::make_shared<testing::manual_clock>();
  runtime::actor_runtime runtime_{2};
  std::unique_ptr<memory_backend> backend_;
};

TEST_F(MemoryBackendTest, RetryAfterThroughActors) {
  clock_->set_seconds(0);
  EXPECT_TRUE(check("acme", "alice", 3).allowed());
  clock_->set_seconds(10);
  EXPECT_TRUE(check("acme", "alice", 3).allowed());
  clock_->set_seconds(20);
  EXPECT_TRUE(check("acme", "alice", 3).allowed());
  clock_->set_seconds(25);
  limit_decision denied = check("acme", "alice", 3);
  EXPECT_FALSE(denied.allowed());
  EXPECT_EQ(denied.retry_after_seconds, 35u);
  clock_->set_seconds(59.5);
  EXPECT_EQ(check("acme", "alice", 3).retry_after_seconds, 1u);
  clock_->set_seconds(60);
  EXPECT_TRUE(check("acme", "alice", 3).allowed());
}

TEST_F(MemoryBackendTest, KeysOnDifferentShardsStaySeparate) {
  clock_->set_seconds(1);
  for (int i = 0; i < 40; ++i) {
    std::string actor = "actor-" + std::to_string(i);
    SCOPED_TRACE(actor);
    EXPECT_TRUE(check("acme", actor, 1).allowed());
    EXPECT_FALSE(check("acme", actor, 1).allowed());
  }
  EXPECT_TRUE(check("acme:actor-1", "", 1).allowed());
}

TEST_F(MemoryBackendTest, ManyConcurrentChecksAllComplete) {
  clock_->set_seconds(1);
  constexpr int kThreads = 4;
  constexpr int kChecksPerThread = 2000;
  std::atomic<int> allowed{0};
  std::atomic<int> completed{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kChecksPerThread; ++i) {
        backend_->check(make_rate_key("acme", "actor-" + std::to_string(i % 50)), 10,
                        [&](const limit_decision& decision) {
                          if (decision.allowed()) {
                            ++allowed;
                          }
                          ++completed;
                        });
      }
    });
  }
  for (auto& thread : threads) {
    thread.join();
  }
  for (int wait = 0; wait < 300 && completed.load() < kThreads * kChecksPerThread; ++wait) {
    std::this_thread::sleep_for(10ms);
  }
  EXPECT_EQ(completed.load(), kThreads * kChecksPerThread);
  // 50 actors, 10 admitted each within the window.
  EXPECT_EQ(allowed.load(), 500);
}

// Asks the stage over loopback ZeroMQ, as the ingress does.
TEST(RatelimitHandler, RepliesOverTransport) {
  prometheus::Registry registry;
  ratelimit_metrics metrics(registry, 2);
  limits_holder limits(std::make_shared<const limit_table>(
      limit_settings{100, {{"admin", 500}, {"agent-writer", 2}}, {}}, &metrics));
  auto clock = std::make_shared<testing::manual_clock>();
  clock->set_seconds(100);
  runtime::actor_runtime runtime(2);
  memory_backend backend(runtime.system(), {}, clock, metrics);

  std::random_device seed;
  int base = std::uniform_int_distribution<int>(20000, 60000)(seed);
  std::string range = "tcp://127.0.0.1:" + std::to_string(base) + "-" + std::to_string(base + 3);
  transport::stage_server server(runtime.system(), {"ratelimit", range, nullptr},
                                 make_ratelimit_handler(limits, backend, metrics));
  transport::client_options options;
  options.peer_stage = "ratelimit";
  options.endpoints = range;
  options.timeout = 500ms;
  transport::stage_client client(runtime.system(), options, nullptr);

  auto ask = [&](const std::string& role) {
    transport::call_result result;
    for (int attempt = 0; attempt < 50; ++attempt) {
      auto promise = std::make_shared<std::promise<transport::call_result>>();
      auto future = promise->get_future();
      client.call(protocol::message_kind::ratelimit_check,
                  protocol::ratelimit_request{"req-1", "acme", "bob", role},
                  [promise](transport::call_result r) { promise->set_value(std::move(r)); });
      result = future.get();
      if (result.status == transport::call_status::ok) {
        break;
      }
      std::this_thread::sleep_for(50ms);
    }
    return result;
  };

  for (int i = 0; i < 3; ++i) {
    SCOPED_TRACE("request " + std::to_string(i));
    transport::call_result result = ask("Agent_Writer");
    ASSERT_EQ(result.status, transport::call_status::ok) << result.error;
    auto reply = result.reply->body_as<protocol::ratelimit_reply>();
    ASSERT_TRUE(reply);
    EXPECT_EQ(reply->limit, 2u);
    EXPECT_EQ(reply->allowed, i < 2);
    EXPECT_EQ(reply->retry_after_seconds, i < 2 ? 0u : 60u);
  }

  client.stop();
  server.stop();
  backend.stop();
  runtime.system().await_all_actors_done();
}

}  // namespace
}  // namespace memgov::ratelimit
