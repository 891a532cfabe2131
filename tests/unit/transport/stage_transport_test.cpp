// Real ZeroMQ sockets on loopback between a stage_server and a stage_client
// in one process. The multi-process behaviour is covered by the integration
// tests; these pin down the transport's own contract.
#include <gtest/gtest.h>

#include <atomic>
#include <future>
#include <random>

#include "runtime/actor_runtime.hpp"
#include "transport/stage_client.hpp"
#include "transport/stage_server.hpp"

namespace memgov::transport {
namespace {

using namespace std::chrono_literals;

// A base port for a range of four; stage_server skips ports in use, so a
// collision with another program only shifts the slot.
int random_base_port() {
  std::random_device seed;
  return std::uniform_int_distribution<int>(20000, 60000)(seed);
}

std::string range_of(int base) {
  return "tcp://127.0.0.1:" + std::to_string(base) + "-" + std::to_string(base + 3);
}

// Echoes ratelimit requests back as an allowed reply whose limit is the
// length of the tenant name, and tags nothing else.
request_handler echo_handler(std::atomic<int>* calls) {
  return [calls](const protocol::decoded_envelope& request, responder answer) {
    ++*calls;
    auto body = request.body_as<protocol::ratelimit_request>();
    if (!body) {
      answer.reply_error("bad body");
      return;
    }
    protocol::ratelimit_reply reply;
    reply.allowed = true;
    reply.limit = static_cast<std::uint32_t>(body->tenant.size());
    answer.reply(protocol::message_kind::ratelimit_result, reply);
  };
}

// Waits up to 2 s until `count` replicas have answered the client's pings.
int wait_for_reachable(const stage_client& client, int count) {
  for (int i = 0; i < 100 && client.reachable_peers() < count; ++i) {
    std::this_thread::sleep_for(20ms);
  }
  return client.reachable_peers();
}

call_result call_and_wait(stage_client& client, const std::string& tenant,
                          std::chrono::milliseconds wait = 3s) {
  auto promise = std::make_shared<std::promise<call_result>>();
  auto future = promise->get_future();
  client.call(protocol::message_kind::ratelimit_check,
              protocol::ratelimit_request{"r", tenant, "a", "agent-writer"},
              [promise](call_result result) { promise->set_value(std::move(result)); });
  if (future.wait_for(wait) != std::future_status::ready) {
    call_result never;
    never.error = "completion did not run";
    return never;
  }
  return future.get();
}

client_options options_for(int base) {
  client_options options;
  options.peer_stage = "ratelimit";
  options.endpoints = range_of(base);
  options.timeout = 200ms;
  options.retries = 1;
  options.ping_interval = 100ms;
  return options;
}

// Retries a call until it succeeds: the client connects in the background,
// so the first calls after start may find no connected peer.
call_result call_until_ok(stage_client& client, const std::string& tenant) {
  call_result result;
  for (int attempt = 0; attempt < 50; ++attempt) {
    result = call_and_wait(client, tenant);
    if (result.status == call_status::ok)
      break;
    std::this_thread::sleep_for(50ms);
  }
  return result;
}

TEST(StageTransport, CallIsAnsweredByServer) {
  runtime::actor_runtime runtime(2);
  int base = random_base_port();
  std::atomic<int> calls{0};
  stage_server server(runtime.system(), {"ratelimit", range_of(base), nullptr},
                      echo_handler(&calls));
  stage_client client(runtime.system(), options_for(base), nullptr);

  call_result result = call_until_ok(client, "acme-corp");
  ASSERT_EQ(result.status, call_status::ok) << result.error;
  auto reply = result.reply->body_as<protocol::ratelimit_reply>();
  ASSERT_TRUE(reply);
  EXPECT_TRUE(reply->allowed);
  EXPECT_EQ(reply->limit, 9u);
  EXPECT_EQ(result.peer, server.bound_endpoint());
  server.stop();
  client.stop();
}

TEST(StageTransport, NoServerIsUnavailableAtOnce) {
  runtime::actor_runtime runtime(2);
  stage_client client(runtime.system(), options_for(random_base_port()), nullptr);
  auto started = std::chrono::steady_clock::now();
  call_result result = call_and_wait(client, "acme");
  EXPECT_EQ(result.status, call_status::unavailable);
  EXPECT_LT(std::chrono::steady_clock::now() - started, 100ms);
  EXPECT_NE(result.error.find("ratelimit"), std::string::npos) << result.error;
  client.stop();
}

TEST(StageTransport, SilentServerTimesOutWithinBudget) {
  runtime::actor_runtime runtime(2);
  int base = random_base_port();
  std::atomic<int> calls{0};
  // Never answers.
  stage_server server(runtime.system(), {"ratelimit", range_of(base), nullptr},
                      [&calls](const protocol::decoded_envelope&, responder) { ++calls; });
  client_options options = options_for(base);
  stage_client client(runtime.system(), options, nullptr);

  call_result result;
  for (int attempt = 0; attempt < 50 && calls.load() == 0; ++attempt) {
    auto started = std::chrono::steady_clock::now();
    result = call_and_wait(client, "acme");
    if (result.status == call_status::timed_out) {
      auto elapsed = std::chrono::steady_clock::now() - started;
      EXPECT_LT(elapsed, options.timeout * (options.retries + 1) + 150ms);
    } else {
      std::this_thread::sleep_for(50ms);
    }
  }
  EXPECT_EQ(result.status, call_status::timed_out) << result.error;
  EXPECT_GE(calls.load(), 1);
  server.stop();
  client.stop();
}

TEST(StageTransport, SecondReplicaTakesNextPortOfRange) {
  runtime::actor_runtime runtime(2);
  int base = random_base_port();
  std::atomic<int> calls{0};
  stage_server first(runtime.system(), {"ratelimit", range_of(base), nullptr},
                     echo_handler(&calls));
  stage_server second(runtime.system(), {"ratelimit", range_of(base), nullptr},
                      echo_handler(&calls));
  EXPECT_NE(first.bound_endpoint(), second.bound_endpoint());
  EXPECT_GT(second.slot(), first.slot());
  first.stop();
  second.stop();
}

TEST(StageTransport, CallsMoveToSurvivingReplica) {
  runtime::actor_runtime runtime(2);
  int base = random_base_port();
  std::atomic<int> first_calls{0};
  std::atomic<int> second_calls{0};
  auto first = std::make_unique<stage_server>(runtime.system(),
                                              server_options{"ratelimit", range_of(base), nullptr},
                                              echo_handler(&first_calls));
  stage_server second(runtime.system(), {"ratelimit", range_of(base), nullptr},
                      echo_handler(&second_calls));
  stage_client client(runtime.system(), options_for(base), nullptr);

  // Wait until both replicas have answered pings, then stop one.
  ASSERT_EQ(wait_for_reachable(client, 2), 2);
  first->stop();
  first.reset();

  int ok = 0;
  for (int i = 0; i < 20; ++i) {
    if (call_and_wait(client, "acme").status == call_status::ok)
      ++ok;
  }
  EXPECT_EQ(ok, 20);
  EXPECT_GE(second_calls.load(), 20);
  client.stop();
}

TEST(StageTransport, IdleReplicasTakeTurns) {
  runtime::actor_runtime runtime(2);
  int base = random_base_port();
  std::atomic<int> first_calls{0};
  std::atomic<int> second_calls{0};
  stage_server first(runtime.system(), {"ratelimit", range_of(base), nullptr},
                     echo_handler(&first_calls));
  stage_server second(runtime.system(), {"ratelimit", range_of(base), nullptr},
                      echo_handler(&second_calls));
  stage_client client(runtime.system(), options_for(base), nullptr);
  ASSERT_EQ(wait_for_reachable(client, 2), 2);

  // One call at a time, so every call finds both replicas with none in flight.
  for (int i = 0; i < 20; ++i) {
    ASSERT_EQ(call_and_wait(client, "acme").status, call_status::ok) << "call " << i;
  }
  EXPECT_EQ(first_calls.load() + second_calls.load(), 20);
  EXPECT_GE(first_calls.load(), 5) << "the first replica took " << first_calls.load();
  EXPECT_GE(second_calls.load(), 5) << "the second replica took " << second_calls.load();
  client.stop();
  first.stop();
  second.stop();
}

TEST(StageTransport, ErrorReplyCompletesAsFailed) {
  runtime::actor_runtime runtime(2);
  int base = random_base_port();
  stage_server server(runtime.system(), {"ratelimit", range_of(base), nullptr},
                      [](const protocol::decoded_envelope&, responder answer) {
                        answer.reply_error("redis is down");
                      });
  stage_client client(runtime.system(), options_for(base), nullptr);
  call_result result;
  for (int attempt = 0; attempt < 50; ++attempt) {
    result = call_and_wait(client, "acme");
    if (result.status != call_status::unavailable)
      break;
    std::this_thread::sleep_for(50ms);
  }
  EXPECT_EQ(result.status, call_status::failed);
  EXPECT_NE(result.error.find("redis is down"), std::string::npos) << result.error;
  server.stop();
  client.stop();
}

}  // namespace
}  // namespace memgov::transport
