// The contract of the check-and-record script (redis_script.hpp), run by a real redis-server.
//
// Redis's clock cannot be set, so tests of exact boundaries run the script with its clock line
// replaced by a fixed time (run_at). The other tests use TIME and place members relative to a
// reading of it. Their ages keep the expected numbers valid for any delay below 50 ms.
#include <gtest/gtest.h>

#include <hiredis/hiredis.h>

#include <atomic>
#include <chrono>
#include <thread>

#include "member_source.hpp"
#include "redis_fixture.hpp"
#include "redis_link.hpp"
#include "redis_script.hpp"

namespace memgov::ratelimit {
namespace {

using namespace std::chrono_literals;

constexpr std::int64_t kWindowUs = 60'000'000;

class RedisScriptTest : public testing::RedisTest {
 protected:
  void SetUp() override {
    RedisTest::SetUp();
    if (IsSkipped() || HasFatalFailure()) {
      return;
    }
    link_ = std::make_unique<redis_link>(server_.endpoint(), 1000ms, 60s);
    std::optional<redis_error> error = link_->connect();
    ASSERT_FALSE(error) << error->message;
  }

  reply_ptr command(std::initializer_list<std::string_view> args) {
    redis_error error;
    reply_ptr reply = link_->command(args, error);
    EXPECT_TRUE(reply) << error.message;
    return reply;
  }

  std::int64_t integer(std::initializer_list<std::string_view> args) {
    reply_ptr reply = command(args);
    if (!reply || reply->type != REDIS_REPLY_INTEGER) {
      ADD_FAILURE() << "expected an integer reply";
      return -1;
    }
    return reply->integer;
  }

  std::int64_t redis_now_us() {
    reply_ptr reply = command({"TIME"});
    return std::stoll(reply->element[0]->str) * 1'000'000 + std::stoll(reply->element[1]->str);
  }

  void add_member(const std::string& key, std::int64_t score, const std::string& member) {
    EXPECT_EQ(integer({"ZADD", key, std::to_string(score), member}), 1);
  }

  script_outcome run(const std::string& key, std::uint32_t limit) {
    std::vector<script_outcome> outcomes;
    std::optional<redis_error> error = link_->run_checks({{key, limit, members_.next()}}, outcomes);
    EXPECT_FALSE(error) << error->message;
    EXPECT_EQ(outcomes.size(), 1u);
    return outcomes.empty() ? script_outcome{} : outcomes[0];
  }

  script_reply run_ok(const std::string& key, std::uint32_t limit) {
    script_outcome outcome = run(key, limit);
    EXPECT_EQ(outcome.status, script_status::ok) << outcome.error;
    return outcome.reply;
  }

  // Runs the script with its clock line replaced by a fixed time, so that a test can place
  // members to the microsecond. Everything else is the production script.
  script_reply run_at(std::int64_t now_us, const std::string& key, std::uint32_t limit) {
    std::string script(check_script());
    const std::string clock_line = "local clock = redis.call('TIME')";
    std::size_t at = script.find(clock_line);
    if (at == std::string::npos) {
      ADD_FAILURE() << "the script no longer reads the clock with: " << clock_line;
      return {};
    }
    script.replace(at, clock_line.size(), "local clock = {ARGV[4], ARGV[5]}");
    reply_ptr reply = command(
        {"EVAL", script, "1", key, std::to_string(kWindowUs), std::to_string(limit),
         members_.next(), std::to_string(now_us / 1'000'000), std::to_string(now_us % 1'000'000)});
    std::string error = "no reply of one element";
    std::optional<script_reply> parsed;
    if (reply && reply->type == REDIS_REPLY_ARRAY && reply->elements == 1) {
      parsed = parse_script_reply(*reply->element[0], error);
    }
    EXPECT_TRUE(parsed) << error;
    return parsed.value_or(script_reply{});
  }

  std::unique_ptr<redis_link> link_;
  member_source members_;
};

TEST_F(RedisScriptTest, AdmitsUpToLimitThenDenies) {
  const std::string key = "rl:admits";
  std::int64_t first_now = 0;
  for (int i = 1; i <= 3; ++i) {
    SCOPED_TRACE("request " + std::to_string(i));
    script_reply reply = run_ok(key, 3);
    EXPECT_TRUE(reply.allowed);
    EXPECT_EQ(reply.count, i);
    EXPECT_EQ(reply.blocking_us, -1);
    if (i == 1) {
      first_now = reply.now_us;
    }
    EXPECT_EQ(reply.oldest_us, first_now);
    limit_decision decision = to_decision(reply, 3, kWindowUs);
    EXPECT_EQ(decision.remaining, static_cast<std::uint32_t>(3 - i));
    EXPECT_EQ(decision.reset_seconds, 60u);
  }
  script_reply denied = run_ok(key, 3);
  EXPECT_FALSE(denied.allowed);
  EXPECT_EQ(denied.count, 3);
  EXPECT_EQ(denied.oldest_us, first_now);
  EXPECT_EQ(denied.blocking_us, first_now);
  EXPECT_GT(denied.now_us, first_now);
  limit_decision decision = to_decision(denied, 3, kWindowUs);
  EXPECT_FALSE(decision.allowed());
  EXPECT_EQ(decision.remaining, 0u);
  // The first request was admitted a few milliseconds ago, so a little under 60 s remain.
  EXPECT_EQ(decision.retry_after_seconds, 60u);

  EXPECT_EQ(integer({"ZCARD", key}), 3);
  reply_ptr score = command({"ZRANGE", key, "0", "0", "WITHSCORES"});
  EXPECT_EQ(std::stoll(score->element[1]->str), first_now);
  std::int64_t ttl_ms = integer({"PTTL", key});
  EXPECT_GT(ttl_ms, 59'000);
  EXPECT_LE(ttl_ms, 60'000);
}

TEST_F(RedisScriptTest, DenialRecordsNothing) {
  const std::string key = "rl:denial";
  add_member(key, redis_now_us(), "earlier");
  script_reply denied = run_ok(key, 1);
  EXPECT_FALSE(denied.allowed);
  EXPECT_EQ(integer({"ZCARD", key}), 1);
  // The member was added without an expiry, and a denial sets none.
  EXPECT_EQ(integer({"PTTL", key}), -1);
}

TEST_F(RedisScriptTest, RequestLeavesExactlyOneWindowLater) {
  const std::string key = "rl:boundary";
  const std::int64_t now = 1'700'000'000'000'000;
  add_member(key, now - kWindowUs, "on-the-boundary");
  add_member(key, now - kWindowUs + 1, "one-microsecond-inside");

  script_reply admitted = run_at(now, key, 3);
  EXPECT_TRUE(admitted.allowed);
  EXPECT_EQ(admitted.now_us, now);
  EXPECT_EQ(admitted.count, 2);
  EXPECT_EQ(admitted.oldest_us, now - kWindowUs + 1);
  reply_ptr removed = command({"ZSCORE", key, "on-the-boundary"});
  EXPECT_EQ(removed->type, REDIS_REPLY_NIL);

  EXPECT_TRUE(run_at(now, key, 3).allowed);
  script_reply denied = run_at(now, key, 3);
  EXPECT_FALSE(denied.allowed);
  EXPECT_EQ(denied.blocking_us, now - kWindowUs + 1);
  limit_decision decision = to_decision(denied, 3, kWindowUs);
  // One microsecond remains: rounded up to one second, never 0.
  EXPECT_EQ(decision.retry_after_seconds, 1u);
  EXPECT_EQ(decision.reset_seconds, 1u);

  // One microsecond later the oldest has left.
  script_reply later = run_at(now + 1, key, 3);
  EXPECT_TRUE(later.allowed);
  EXPECT_EQ(later.count, 3);
}

TEST_F(RedisScriptTest, RetryAfterRoundsUpToWholeSeconds) {
  struct retry_case {
    std::int64_t age_us;  // Age of the oldest request when the next one is denied.
    std::uint32_t retry_after_seconds;
  };
  const retry_case cases[] = {
      {35'500'000, 25}, {30'000'000, 30}, {59'000'001, 1}, {59'999'999, 1}, {500'000, 60}, {0, 60},
  };
  const std::int64_t now = 1'700'000'000'000'000;
  int number = 0;
  for (const retry_case& c : cases) {
    SCOPED_TRACE("age " + std::to_string(c.age_us) + " us");
    const std::string key = "rl:retry:" + std::to_string(number++);
    add_member(key, now - c.age_us, "oldest");
    script_reply denied = run_at(now, key, 1);
    ASSERT_FALSE(denied.allowed);
    EXPECT_EQ(denied.blocking_us, now - c.age_us);
    EXPECT_EQ(denied.oldest_us, now - c.age_us);
    limit_decision decision = to_decision(denied, 1, kWindowUs);
    EXPECT_EQ(decision.retry_after_seconds, c.retry_after_seconds);
    EXPECT_EQ(decision.reset_seconds, c.retry_after_seconds);
  }
}

TEST_F(RedisScriptTest, RetryAfterWithRedisClock) {
  // The same with TIME: ages far enough from whole seconds that the few hundred
  // microseconds between reading the clock and the script's decision do not matter.
  const std::pair<std::int64_t, std::uint32_t> cases[] = {
      {35'500'000, 25}, {30'050'000, 30}, {59'500'000, 1}, {500'000, 60}};
  int number = 0;
  for (const auto& [age_us, expected] : cases) {
    SCOPED_TRACE("age " + std::to_string(age_us) + " us");
    const std::string key = "rl:retry-clock:" + std::to_string(number++);
    std::int64_t oldest = redis_now_us() - age_us;
    add_member(key, oldest, "oldest");
    script_reply denied = run_ok(key, 1);
    ASSERT_FALSE(denied.allowed);
    EXPECT_EQ(denied.blocking_us, oldest);
    EXPECT_EQ(to_decision(denied, 1, kWindowUs).retry_after_seconds, expected);
  }
}

TEST_F(RedisScriptTest, SmallerLimitWaitsForEnoughToLeave) {
  // Five counted under a new limit of 3: the count drops below 3 when the third oldest
  // leaves, 30 s from now.
  const std::string key = "rl:smaller-limit";
  std::int64_t now = redis_now_us();
  for (int age = 50; age >= 10; age -= 10) {
    add_member(key, now - age * 1'000'000LL, "age-" + std::to_string(age));
  }
  script_reply denied = run_ok(key, 3);
  EXPECT_FALSE(denied.allowed);
  EXPECT_EQ(denied.count, 5);
  EXPECT_EQ(denied.blocking_us, now - 30'000'000);
  EXPECT_EQ(denied.oldest_us, now - 50'000'000);
  limit_decision decision = to_decision(denied, 3, kWindowUs);
  EXPECT_EQ(decision.retry_after_seconds, 30u);
  EXPECT_EQ(decision.reset_seconds, 10u);
  EXPECT_EQ(decision.remaining, 0u);
}

TEST_F(RedisScriptTest, ClockBehindMembersKeepsCounting) {
  // Members recorded ahead of Redis's clock (as after the clock stepped back) still count,
  // and the new member sorts before them.
  const std::string key = "rl:clock-behind";
  std::int64_t now = redis_now_us();
  add_member(key, now + 10'000'000, "ahead-1");
  add_member(key, now + 20'000'000, "ahead-2");
  script_reply admitted = run_ok(key, 3);
  EXPECT_TRUE(admitted.allowed);
  EXPECT_EQ(admitted.count, 3);
  EXPECT_EQ(admitted.oldest_us, admitted.now_us);
  script_reply denied = run_ok(key, 3);
  EXPECT_FALSE(denied.allowed);
  limit_decision decision = to_decision(denied, 3, kWindowUs);
  EXPECT_EQ(decision.retry_after_seconds, 60u);
}

TEST_F(RedisScriptTest, EveryAdmissionIsKept) {
  // Distinct members: an admission never replaces an earlier one.
  std::vector<script_call> calls;
  for (int i = 0; i < 200; ++i) {
    calls.push_back({"rl:kept", 1000, members_.next()});
  }
  std::vector<script_outcome> outcomes;
  ASSERT_FALSE(link_->run_checks(calls, outcomes));
  EXPECT_EQ(outcomes.back().reply.count, 200);
  EXPECT_EQ(integer({"ZCARD", "rl:kept"}), 200);
}

TEST_F(RedisScriptTest, PipelinedBatchIsExact) {
  std::vector<script_call> calls;
  for (int i = 0; i < 100; ++i) {
    calls.push_back({"rl:batch", 10, members_.next()});
  }
  std::vector<script_outcome> outcomes;
  ASSERT_FALSE(link_->run_checks(calls, outcomes));
  ASSERT_EQ(outcomes.size(), 100u);
  for (int i = 0; i < 100; ++i) {
    SCOPED_TRACE("call " + std::to_string(i));
    ASSERT_EQ(outcomes[i].status, script_status::ok) << outcomes[i].error;
    EXPECT_EQ(outcomes[i].reply.allowed, i < 10);
    EXPECT_EQ(outcomes[i].reply.count, std::min(i + 1, 10));
  }
}

TEST_F(RedisScriptTest, ParallelConnectionsNeverAdmitTooMany) {
  constexpr int kThreads = 4;
  constexpr int kBatches = 25;
  constexpr int kBatchSize = 20;
  constexpr std::uint32_t kLimit = 37;
  std::atomic<int> allowed{0};
  std::atomic<int> failures{0};

  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&] {
      redis_link link(server_.endpoint(), 1000ms, 60s);
      if (link.connect()) {
        ++failures;
        return;
      }

      for (int b = 0; b < kBatches; ++b) {
        std::vector<script_call> calls;
        for (int i = 0; i < kBatchSize; ++i) {
          calls.push_back({"rl:parallel", kLimit, members_.next()});
        }
        std::vector<script_outcome> outcomes;
        if (link.run_checks(calls, outcomes)) {
          ++failures;
          return;
        }
        for (const script_outcome& outcome : outcomes) {
          allowed += outcome.status == script_status::ok && outcome.reply.allowed ? 1 : 0;
        }
      }
    });
  }
  for (std::thread& thread : threads) {
    thread.join();
  }

  EXPECT_EQ(failures.load(), 0);
  EXPECT_EQ(allowed.load(), static_cast<int>(kLimit));
  EXPECT_EQ(integer({"ZCARD", "rl:parallel"}), kLimit);
}

TEST_F(RedisScriptTest, LoadsScriptAgainAfterFlush) {
  ASSERT_TRUE(run_ok("rl:flush", 5).allowed);
  reply_ptr flushed = command({"SCRIPT", "FLUSH"});
  ASSERT_EQ(flushed->type, REDIS_REPLY_STATUS);
  std::vector<script_call> calls = {{"rl:flush", 5, members_.next()},
                                    {"rl:flush", 5, members_.next()}};
  std::vector<script_outcome> outcomes;
  ASSERT_FALSE(link_->run_checks(calls, outcomes));
  EXPECT_EQ(link_->script_reloads(), 1u);
  ASSERT_EQ(outcomes.size(), 2u);
  EXPECT_EQ(outcomes[0].status, script_status::ok) << outcomes[0].error;
  EXPECT_EQ(outcomes[1].status, script_status::ok) << outcomes[1].error;
  EXPECT_EQ(outcomes[1].reply.count, 3);
}

TEST_F(RedisScriptTest, WrongTypeKeyIsServerError) {
  command({"SET", "rl:string", "not a sorted set"});
  script_outcome outcome = run("rl:string", 5);
  EXPECT_EQ(outcome.status, script_status::server_error);
  EXPECT_NE(outcome.error.find("WRONGTYPE"), std::string::npos) << outcome.error;
  EXPECT_TRUE(link_->is_open());
}

TEST_F(RedisScriptTest, WrongTypeKeyFailsOnlyItsOwnCheck) {
  command({"SET", "rl:string-in-batch", "not a sorted set"});
  std::vector<script_call> calls = {{"rl:mixed", 2, members_.next()},
                                    {"rl:string-in-batch", 2, members_.next()},
                                    {"rl:mixed", 2, members_.next()},
                                    {"rl:mixed", 2, members_.next()}};
  std::vector<script_outcome> outcomes;
  ASSERT_FALSE(link_->run_checks(calls, outcomes));
  ASSERT_EQ(outcomes.size(), 4u);
  EXPECT_EQ(outcomes[1].status, script_status::server_error);
  EXPECT_NE(outcomes[1].error.find("WRONGTYPE"), std::string::npos) << outcomes[1].error;
  for (std::size_t i : {0u, 2u, 3u}) {
    ASSERT_EQ(outcomes[i].status, script_status::ok) << i << ": " << outcomes[i].error;
  }
  EXPECT_TRUE(outcomes[0].reply.allowed);
  EXPECT_TRUE(outcomes[2].reply.allowed);
  EXPECT_FALSE(outcomes[3].reply.allowed);
  EXPECT_EQ(integer({"ZCARD", "rl:mixed"}), 2);
}

TEST_F(RedisScriptTest, BatchSpanningSeveralRunsIsExactPerKey) {
  link_->set_checks_per_script(3);
  std::vector<script_call> calls;
  for (int i = 0; i < 20; ++i) {
    calls.push_back({i % 2 == 0 ? "rl:runs-even" : "rl:runs-odd", 4, members_.next()});
  }
  std::vector<script_outcome> outcomes;
  ASSERT_FALSE(link_->run_checks(calls, outcomes));
  ASSERT_EQ(outcomes.size(), 20u);
  for (int i = 0; i < 20; ++i) {
    SCOPED_TRACE("call " + std::to_string(i));
    ASSERT_EQ(outcomes[i].status, script_status::ok) << outcomes[i].error;
    EXPECT_EQ(outcomes[i].reply.allowed, i / 2 < 4);
    EXPECT_EQ(outcomes[i].reply.count, std::min(i / 2 + 1, 4));
  }
  EXPECT_EQ(integer({"ZCARD", "rl:runs-even"}), 4);
  EXPECT_EQ(integer({"ZCARD", "rl:runs-odd"}), 4);
}

TEST_F(RedisScriptTest, LoadsScriptAgainForEveryLostRun) {
  link_->set_checks_per_script(2);
  reply_ptr flushed = command({"SCRIPT", "FLUSH"});
  ASSERT_EQ(flushed->type, REDIS_REPLY_STATUS);
  std::vector<script_call> calls;
  for (int i = 0; i < 5; ++i) {
    calls.push_back({"rl:flush-runs", 10, members_.next()});
  }
  std::vector<script_outcome> outcomes;
  ASSERT_FALSE(link_->run_checks(calls, outcomes));
  EXPECT_EQ(link_->script_reloads(), 1u);
  for (int i = 0; i < 5; ++i) {
    ASSERT_EQ(outcomes[i].status, script_status::ok) << i << ": " << outcomes[i].error;
    EXPECT_EQ(outcomes[i].reply.count, i + 1);
  }
}

TEST_F(RedisScriptTest, PausedServerTimesOut) {
  redis_link slow_link(server_.endpoint(), 50ms, 60s);
  ASSERT_FALSE(slow_link.connect());
  reply_ptr paused = command({"CLIENT", "PAUSE", "600", "ALL"});
  ASSERT_EQ(paused->type, REDIS_REPLY_STATUS);

  auto started = std::chrono::steady_clock::now();
  std::vector<script_outcome> outcomes;
  std::optional<redis_error> error =
      slow_link.run_checks({{"rl:paused", 5, members_.next()}}, outcomes);
  auto waited = std::chrono::steady_clock::now() - started;
  ASSERT_TRUE(error);
  EXPECT_EQ(error->cause, "timeout") << error->message;
  EXPECT_LT(waited, 400ms);
  EXPECT_FALSE(slow_link.is_open());
  ASSERT_EQ(outcomes.size(), 1u);
  EXPECT_EQ(outcomes[0].status, script_status::not_answered);
}

TEST_F(RedisScriptTest, SelectsDatabaseOfUrl) {
  redis_endpoint endpoint = server_.endpoint();
  endpoint.database = 3;
  redis_link link(endpoint, 1000ms, 60s);
  ASSERT_FALSE(link.connect());
  std::vector<script_outcome> outcomes;
  ASSERT_FALSE(link.run_checks({{"rl:db", 5, members_.next()}}, outcomes));
  EXPECT_EQ(integer({"EXISTS", "rl:db"}), 0);
  command({"SELECT", "3"});
  EXPECT_EQ(integer({"EXISTS", "rl:db"}), 1);
}

class RedisAuthTest : public testing::RedisTest {
 protected:
  std::vector<std::string> server_args() const override { return {"--requirepass", "s3cret-pw"}; }
};

TEST_F(RedisAuthTest, AuthenticatesWithUrlPassword) {
  redis_endpoint endpoint =
      parse_redis_url("redis://:s3cret-pw@127.0.0.1:" + std::to_string(server_.port()) + "/0");
  redis_link link(endpoint, 1000ms, 60s);
  std::optional<redis_error> error = link.connect();
  EXPECT_FALSE(error) << error->message;
}

TEST_F(RedisAuthTest, WrongPasswordIsAuthErrorWithoutSecret) {
  redis_endpoint endpoint =
      parse_redis_url("redis://:wrong-pw@127.0.0.1:" + std::to_string(server_.port()) + "/0");
  redis_link link(endpoint, 1000ms, 60s);
  std::optional<redis_error> error = link.connect();
  ASSERT_TRUE(error);
  EXPECT_EQ(error->cause, "auth");
  EXPECT_EQ(error->message.find("wrong-pw"), std::string::npos) << error->message;
  EXPECT_FALSE(link.is_open());
}

TEST_F(RedisAuthTest, MissingPasswordIsAuthError) {
  redis_link link(server_.endpoint(), 1000ms, 60s);
  std::optional<redis_error> error = link.connect();
  ASSERT_TRUE(error);
  EXPECT_EQ(error->cause, "auth");
  EXPECT_NE(error->message.find("NOAUTH"), std::string::npos) << error->message;
}

TEST_F(RedisScriptTest, ReplicaIsRejectedAtConnect) {
  // A replica of a primary that does not exist stays read-only and reports "slave" in ROLE.
  command({"REPLICAOF", "127.0.0.1", std::to_string(testing::free_loopback_port())});
  redis_link link(server_.endpoint(), 1000ms, 60s);
  std::optional<redis_error> error = link.connect();
  command({"REPLICAOF", "NO", "ONE"});
  ASSERT_TRUE(error);
  EXPECT_EQ(error->cause, "connect");
  EXPECT_NE(error->message.find("'slave'"), std::string::npos) << error->message;
  EXPECT_NE(error->message.find("primary"), std::string::npos) << error->message;
  EXPECT_FALSE(link.is_open());
}

TEST_F(RedisScriptTest, UserWithoutScriptPermissionIsAuthError) {
  command({"ACL", "SETUSER", "limited", "on", ">limited-pw", "~*", "+@all", "-evalsha"});
  redis_endpoint endpoint = parse_redis_url(
      "redis://limited:limited-pw@127.0.0.1:" + std::to_string(server_.port()) + "/0");
  redis_link link(endpoint, 1000ms, 60s);
  std::optional<redis_error> error = link.connect();
  ASSERT_TRUE(error);
  EXPECT_EQ(error->cause, "auth");
  EXPECT_NE(error->message.find("NOPERM"), std::string::npos) << error->message;
  EXPECT_EQ(error->message.find("limited-pw"), std::string::npos) << error->message;
  EXPECT_FALSE(link.is_open());
}

TEST_F(RedisScriptTest, PausedWritesFailConnect) {
  command({"CLIENT", "PAUSE", "1000", "WRITE"});
  redis_link link(server_.endpoint(), 100ms, 60s);
  std::optional<redis_error> error = link.connect();
  command({"CLIENT", "UNPAUSE"});
  ASSERT_TRUE(error);
  EXPECT_EQ(error->cause, "timeout");
  EXPECT_FALSE(link.is_open());
}

TEST(RedisLink, ConnectRefusedIsConnectError) {
  redis_endpoint endpoint;
  endpoint.host = "127.0.0.1";
  endpoint.port = testing::free_loopback_port();
  redis_link link(endpoint, 200ms, 60s);
  std::optional<redis_error> error = link.connect();
  ASSERT_TRUE(error);
  EXPECT_EQ(error->cause, "connect");
  EXPECT_FALSE(link.is_open());

  std::vector<script_outcome> outcomes;
  std::optional<redis_error> not_open = link.run_checks({{"k", 1, "m"}}, outcomes);
  ASSERT_TRUE(not_open);
  EXPECT_EQ(not_open->cause, "not_connected");
  EXPECT_EQ(outcomes.at(0).status, script_status::not_answered);
}

TEST(ScriptDecision, ConvertsReplyToDecision) {
  script_reply admitted{true, 4, 100'000'000, 70'000'000, -1};
  limit_decision decision = to_decision(admitted, 10, kWindowUs);
  EXPECT_TRUE(decision.allowed());
  EXPECT_EQ(decision.limit, 10u);
  EXPECT_EQ(decision.remaining, 6u);
  EXPECT_EQ(decision.reset_seconds, 30u);
  EXPECT_EQ(decision.retry_after_seconds, 0u);

  script_reply denied{false, 12, 100'000'000, 40'000'001, 45'500'000};
  decision = to_decision(denied, 10, kWindowUs);
  EXPECT_FALSE(decision.allowed());
  EXPECT_EQ(decision.remaining, 0u);
  EXPECT_EQ(decision.reset_seconds, 1u);
  EXPECT_EQ(decision.retry_after_seconds, 6u);
}

TEST(ScriptDecision, RetryAfterStaysWithinOneToWindow) {
  // A blocking request already out of the window (a clock oddity) still gives 1, and one
  // recorded in the future gives at most the window.
  script_reply stale{false, 3, 100'000'000, 10'000'000, 10'000'000};
  EXPECT_EQ(to_decision(stale, 3, kWindowUs).retry_after_seconds, 1u);
  script_reply future{false, 3, 100'000'000, 100'000'000, 190'000'000};
  EXPECT_EQ(to_decision(future, 3, kWindowUs).retry_after_seconds, 60u);
}

}  // namespace
}  // namespace memgov::ratelimit
