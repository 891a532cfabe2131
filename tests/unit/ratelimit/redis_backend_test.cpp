// The Redis backend behind its connection actors, against a real redis-server that the tests
// stop, pause and restart.
#include <gtest/gtest.h>

#include <hiredis/hiredis.h>

#include <future>
#include <mutex>
#include <thread>

#include <prometheus/registry.h>

#include "memory_backend.hpp"
#include "ratelimit_handler.hpp"
#include "ratelimit_metrics.hpp"
#include "redis_backend.hpp"
#include "redis_fixture.hpp"
#include "redis_link.hpp"
#include "runtime/actor_runtime.hpp"
#include "transport/stage_client.hpp"
#include "transport/stage_server.hpp"

namespace memgov::ratelimit {
namespace {

using namespace std::chrono_literals;

// Polls `condition` every 10 ms for up to `timeout`.
template <class Condition>
bool eventually(Condition condition, std::chrono::milliseconds timeout = 3000ms) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (condition()) {
      return true;
    }
    std::this_thread::sleep_for(10ms);
  }
  return condition();
}

double error_count(prometheus::Registry& registry, const std::string& cause) {
  for (const prometheus::MetricFamily& family : registry.Collect()) {
    if (family.name != "memgov_ratelimit_redis_errors_total") {
      continue;
    }
    for (const prometheus::ClientMetric& metric : family.metric) {
      if (!metric.label.empty() && metric.label[0].value == cause) {
        return metric.counter.value;
      }
    }
  }
  return 0;
}

class RedisBackendTest : public testing::RedisTest {
 protected:
  void TearDown() override {
    if (backend_) {
      backend_->stop();
    }
    if (fallback_) {
      fallback_->stop();
    }
    runtime_.system().await_all_actors_done();
  }

  redis_backend_options options() const {
    redis_backend_options options;
    options.endpoint = server_.endpoint();
    options.timeout = 100ms;
    options.window = 60s;
    options.connections = 2;
    options.backoff_initial = 20ms;
    options.backoff_max = 200ms;
    options.health_interval = 100ms;
    return options;
  }

  void start(redis_backend_options options) {
    if (options.on_failure == failure_mode::local) {
      memory_backend_options memory;
      memory.window = options.window;
      fallback_ = std::make_unique<memory_backend>(
          runtime_.system(), memory, std::make_shared<steady_time_source>(), metrics_);
    }
    backend_ = std::make_unique<redis_backend>(runtime_.system(), options, redis_metrics_,
                                               fallback_.get());
  }

  // Starts with every connection open.
  void start_connected(redis_backend_options options) {
    start(options);
    int wanted = options.connections;
    ASSERT_TRUE(eventually([&] { return backend_->open_connections() == wanted; }))
        << "open connections: " << backend_->open_connections();
  }

  // Starts a check of acme's `actor` without waiting for its decision.
  std::future<limit_decision> check_async(const std::string& actor, std::uint32_t limit) {
    auto promise = std::make_shared<std::promise<limit_decision>>();
    auto future = promise->get_future();
    backend_->check(make_rate_key("acme", actor), limit,
                    [promise](const limit_decision& decision) { promise->set_value(decision); });
    return future;
  }

  limit_decision check(const std::string& actor, std::uint32_t limit) {
    std::future<limit_decision> future = check_async(actor, limit);
    if (future.wait_for(3s) != std::future_status::ready) {
      ADD_FAILURE() << "the backend did not call back within 3 s";
      return {};
    }
    return future.get();
  }

  // A connection of the test itself, for commands such as CLIENT PAUSE.
  std::unique_ptr<redis_link> admin_link() {
    auto link = std::make_unique<redis_link>(server_.endpoint(), 1000ms, 60s);
    std::optional<redis_error> error = link->connect();
    EXPECT_FALSE(error) << error->message;
    return link;
  }

  // Sends CLIENT PAUSE for `milliseconds` in `mode` (ALL or WRITE) on a connection of its own.
  void pause_redis(const std::string& milliseconds, const std::string& mode) {
    redis_error error;
    ASSERT_TRUE(admin_link()->command({"CLIENT", "PAUSE", milliseconds, mode}, error))
        << error.message;
  }

  // Batches the backend has sent to Redis.
  std::uint64_t batches_sent() const {
    return redis_metrics_.batch_size.Collect().histogram.sample_count;
  }

  prometheus::Registry registry_;
  ratelimit_metrics metrics_{registry_, 2};
  redis_metrics redis_metrics_{registry_};
  runtime::actor_runtime runtime_{2};
  std::unique_ptr<memory_backend> fallback_;
  std::unique_ptr<redis_backend> backend_;
};

TEST_F(RedisBackendTest, DecidesThroughConnections) {
  start_connected(options());
  EXPECT_TRUE(backend_->ready());
  for (int i = 0; i < 5; ++i) {
    SCOPED_TRACE("request " + std::to_string(i));
    limit_decision decision = check("alice", 5);
    EXPECT_TRUE(decision.allowed());
    EXPECT_EQ(decision.limit, 5u);
    EXPECT_EQ(decision.remaining, static_cast<std::uint32_t>(4 - i));
    EXPECT_EQ(decision.reset_seconds, 60u);
  }
  limit_decision denied = check("alice", 5);
  EXPECT_EQ(denied.result, outcome::denied);
  EXPECT_EQ(denied.retry_after_seconds, 60u);
  EXPECT_TRUE(check("bob", 5).allowed());
}

TEST_F(RedisBackendTest, ConcurrentChecksAreExact) {
  start_connected(options());
  constexpr int kThreads = 4;
  constexpr int kChecksPerThread = 2000;
  std::atomic<int> allowed{0};
  std::atomic<int> completed{0};
  std::atomic<int> failed{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < kChecksPerThread; ++i) {
        backend_->check(make_rate_key("acme", "actor-" + std::to_string(i % 50)), 10,
                        [&](const limit_decision& decision) {
                          allowed += decision.allowed() ? 1 : 0;
                          failed += decision.result == outcome::store_unavailable ? 1 : 0;
                          ++completed;
                        });
      }
    });
  }
  for (std::thread& thread : threads) {
    thread.join();
  }
  EXPECT_TRUE(eventually([&] { return completed.load() == kThreads * kChecksPerThread; }, 10s))
      << completed.load() << " completed";
  EXPECT_EQ(failed.load(), 0);
  // 50 actors, 10 admitted each within the window.
  EXPECT_EQ(allowed.load(), 500);

  prometheus::ClientMetric batches = redis_metrics_.batch_size.Collect();
  EXPECT_GT(batches.histogram.sample_sum, static_cast<double>(batches.histogram.sample_count))
      << "no batch held more than one check, so nothing was pipelined";
}

TEST_F(RedisBackendTest, ZeroLimitDeniesWithoutRedis) {
  start_connected(options());
  limit_decision decision = check("nobody", 0);
  EXPECT_EQ(decision.result, outcome::denied);
  EXPECT_EQ(decision.retry_after_seconds, 60u);
  EXPECT_EQ(decision.reset_seconds, 60u);
  redis_error error;
  reply_ptr size = admin_link()->command({"DBSIZE"}, error);
  ASSERT_TRUE(size) << error.message;
  EXPECT_EQ(size->integer, 0);
}

TEST_F(RedisBackendTest, FailsClosedWhileRedisIsDown) {
  start_connected(options());
  server_.stop();
  ASSERT_TRUE(eventually([&] { return !backend_->ready(); }))
      << "the idle connections did not notice that Redis stopped";
  limit_decision decision = check("alice", 5);
  EXPECT_EQ(decision.result, outcome::store_unavailable);
  EXPECT_NE(decision.error.find("Redis"), std::string::npos) << decision.error;
  EXPECT_GT(error_count(registry_, "not_connected") + error_count(registry_, "connect"), 0);
}

TEST_F(RedisBackendTest, ReconnectsAfterRedisRestarts) {
  start_connected(options());
  EXPECT_TRUE(check("alice", 5).allowed());
  int port = server_.port();
  server_.stop();
  ASSERT_TRUE(eventually([&] { return backend_->open_connections() == 0; }));
  EXPECT_EQ(check("alice", 5).result, outcome::store_unavailable);

  ASSERT_TRUE(server_.start(port)) << server_.error();
  ASSERT_TRUE(eventually([&] { return backend_->open_connections() == 2; }))
      << "open connections: " << backend_->open_connections();
  EXPECT_TRUE(backend_->ready());
  limit_decision decision = check("alice", 5);
  EXPECT_TRUE(decision.allowed());
  // The restarted server is empty, so this is the first request counted.
  EXPECT_EQ(decision.remaining, 4u);
  EXPECT_GE(redis_metrics_.reconnects.Value(), 2);
}

TEST_F(RedisBackendTest, FallsBackToMemoryInLocalMode) {
  redis_backend_options local = options();
  local.on_failure = failure_mode::local;
  start_connected(local);
  server_.stop();
  ASSERT_TRUE(eventually([&] { return backend_->open_connections() == 0; }));
  EXPECT_TRUE(backend_->ready());

  EXPECT_TRUE(check("alice", 2).allowed());
  EXPECT_TRUE(check("alice", 2).allowed());
  limit_decision denied = check("alice", 2);
  EXPECT_EQ(denied.result, outcome::denied);
  EXPECT_GE(denied.retry_after_seconds, 59u);
  EXPECT_EQ(redis_metrics_.fallback.Value(), 3);
}

TEST_F(RedisBackendTest, SlowRedisFailsWithinTimeout) {
  start_connected(options());
  std::unique_ptr<redis_link> admin = admin_link();
  redis_error error;
  ASSERT_TRUE(admin->command({"CLIENT", "PAUSE", "1000", "ALL"}, error)) << error.message;

  auto started = std::chrono::steady_clock::now();
  limit_decision decision = check("alice", 5);
  auto waited = std::chrono::steady_clock::now() - started;
  EXPECT_EQ(decision.result, outcome::store_unavailable);
  EXPECT_NE(decision.error.find("no reply within 100 ms"), std::string::npos) << decision.error;
  EXPECT_LT(waited, 400ms);
  EXPECT_GE(error_count(registry_, "timeout"), 1);
}

TEST_F(RedisBackendTest, ExportsDatabaseKeyCount) {
  start_connected(options());
  for (const char* actor : {"alice", "bob", "carol"}) {
    EXPECT_TRUE(check(actor, 5).allowed()) << actor;
  }
  EXPECT_TRUE(check("alice", 5).allowed());  // A second check of a pair adds no key.
  EXPECT_TRUE(eventually([&] { return redis_metrics_.database_keys.Value() == 3; }))
      << "memgov_ratelimit_redis_database_keys: " << redis_metrics_.database_keys.Value();
}

TEST_F(RedisBackendTest, StaleQueuedChecksFailWithoutRedis) {
  // One connection with one batch in flight, blocked on a paused Redis, while another check
  // queues behind it.
  redis_backend_options single = options();
  single.connections = 1;
  single.pipeline_depth = 1;
  single.queue_timeout = 1ms;
  start_connected(single);
  ASSERT_NO_FATAL_FAILURE(pause_redis("1000", "ALL"));

  std::future<limit_decision> first = check_async("first", 5);
  ASSERT_TRUE(eventually([&] { return batches_sent() == 1; })) << "the first check was not sent";
  limit_decision queued = check("queued", 5);
  EXPECT_EQ(queued.result, outcome::store_unavailable);
  EXPECT_NE(queued.error.find("ratelimit.redis_queue_timeout_ms"), std::string::npos)
      << queued.error;
  EXPECT_EQ(first.get().result, outcome::store_unavailable);
  EXPECT_GE(error_count(registry_, "queue_timeout"), 1);
}

TEST_F(RedisBackendTest, PipelinesBatchesWhileRepliesWait) {
  // With depth 2, a second batch goes out while the first waits on a paused Redis, and both
  // are decided once Redis resumes.
  redis_backend_options deep = options();
  deep.connections = 1;
  deep.pipeline_depth = 2;
  deep.timeout = 2000ms;
  start_connected(deep);
  ASSERT_NO_FATAL_FAILURE(pause_redis("300", "WRITE"));

  std::vector<std::future<limit_decision>> decisions;
  for (const char* actor : {"first", "second"}) {
    decisions.push_back(check_async(actor, 5));
    ASSERT_TRUE(eventually([&] { return batches_sent() == decisions.size(); }))
        << "batch " << decisions.size() << " was not sent while the earlier one waited";
  }
  for (auto& decision : decisions) {
    ASSERT_EQ(decision.wait_for(3s), std::future_status::ready);
    EXPECT_TRUE(decision.get().allowed());
  }
}

TEST_F(RedisBackendTest, BurstLongerThanTimeoutIsDecided) {
  // Redis needs far longer than the 20 ms timeout for this burst, but it replies all along,
  // so no connection is taken for dead.
  redis_backend_options burst = options();
  burst.connections = 4;
  burst.pipeline_depth = 4;
  burst.batch_max = 2000;
  burst.timeout = 20ms;
  burst.queue_timeout = 10000ms;
  start_connected(burst);

  constexpr int kChecks = 20000;
  std::atomic<int> allowed{0};
  std::atomic<int> completed{0};
  std::string last_error;
  std::mutex error_mutex;
  for (int i = 0; i < kChecks; ++i) {
    backend_->check(make_rate_key("acme", "burst-" + std::to_string(i % 1000)), 1000000,
                    [&](const limit_decision& decision) {
                      if (decision.allowed()) {
                        ++allowed;
                      } else {
                        std::lock_guard<std::mutex> lock(error_mutex);
                        last_error = decision.error;
                      }
                      ++completed;
                    });
  }

  ASSERT_TRUE(eventually([&] { return completed.load() == kChecks; }, 20s))
      << completed.load() << " completed";
  EXPECT_EQ(allowed.load(), kChecks) << "last error: " << last_error;
  EXPECT_EQ(error_count(registry_, "timeout"), 0);
}

TEST_F(RedisBackendTest, ReloadsScriptAfterFlush) {
  start_connected(options());
  EXPECT_TRUE(check("alice", 5).allowed());
  redis_error error;
  ASSERT_TRUE(admin_link()->command({"SCRIPT", "FLUSH"}, error)) << error.message;
  limit_decision decision = check("alice", 5);
  EXPECT_TRUE(decision.allowed());
  EXPECT_EQ(decision.remaining, 3u);
  EXPECT_GE(redis_metrics_.script_reloads.Value(), 1);
}

// The stage over loopback ZeroMQ: a store failure reaches the requester as an error reply.
TEST(RedisHandler, StoreUnavailableIsErrorReply) {
  prometheus::Registry registry;
  ratelimit_metrics metrics(registry, 2);
  redis_metrics redis_stats(registry);
  limits_holder limits(
      std::make_shared<const limit_table>(limit_settings{100, {{"admin", 500}}, {}}, &metrics));
  runtime::actor_runtime runtime(2);
  redis_backend_options options;
  options.endpoint.host = "127.0.0.1";
  options.endpoint.port = testing::free_loopback_port();  // Nothing listens there.
  options.timeout = 50ms;
  redis_backend backend(runtime.system(), options, redis_stats, nullptr);

  int base = testing::free_loopback_port();
  std::string range = "tcp://127.0.0.1:" + std::to_string(base) + "-" + std::to_string(base);
  transport::stage_server server(runtime.system(), {"ratelimit", range, nullptr},
                                 make_ratelimit_handler(limits, backend, metrics));
  transport::client_options client_options;
  client_options.peer_stage = "ratelimit";
  client_options.endpoints = range;
  client_options.timeout = 500ms;
  transport::stage_client client(runtime.system(), client_options, nullptr);

  transport::call_result result;
  for (int attempt = 0; attempt < 50; ++attempt) {
    auto promise = std::make_shared<std::promise<transport::call_result>>();
    auto future = promise->get_future();
    client.call(protocol::message_kind::ratelimit_check,
                protocol::ratelimit_request{"req-1", "acme", "bob", "agent-reader"},
                [promise](transport::call_result r) { promise->set_value(std::move(r)); });
    result = future.get();
    if (result.status != transport::call_status::unavailable &&
        result.status != transport::call_status::timed_out) {
      break;
    }
    std::this_thread::sleep_for(50ms);
  }
  EXPECT_EQ(result.status, transport::call_status::failed);
  // The client puts "ratelimit failed: " before the reason of the error reply.
  EXPECT_NE(result.error.find("rate limit store unavailable: "), std::string::npos) << result.error;
  EXPECT_NE(result.error.find("not connected to Redis"), std::string::npos) << result.error;

  client.stop();
  server.stop();
  backend.stop();
  runtime.system().await_all_actors_done();
}

}  // namespace
}  // namespace memgov::ratelimit
