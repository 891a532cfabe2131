// The whole ingress pipeline in one process: real stage clients talking ZeroMQ to in-process
// stage servers with scripted replies, the real HTTP server and pool, and a fake Mem0.
#include <gtest/gtest.h>

#include <sys/socket.h>
#include <sys/time.h>

#include <cerrno>
#include <chrono>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include <prometheus/registry.h>
#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/write.hpp>
#include <nlohmann/json.hpp>

#include "fake_mem0.hpp"
#include "ingress_gateway.hpp"
#include "ingress_metrics.hpp"
#include "ingress_settings.hpp"
#include "runtime/actor_runtime.hpp"
#include "transport/stage_client.hpp"
#include "transport/stage_server.hpp"

namespace memgov::ingress {
namespace {

using namespace std::chrono_literals;
namespace net = boost::asio;
namespace http = boost::beast::http;
using protocol::message_kind;
using testing::fake_mem0;
using testing::test_request;
using testing::test_response;

int random_base_port() {
  std::random_device seed;
  return std::uniform_int_distribution<int>(20000, 60000)(seed);
}

int free_tcp_port() {
  net::io_context io;
  net::ip::tcp::acceptor acceptor(io, {net::ip::make_address("127.0.0.1"), 0});
  return acceptor.local_endpoint().port();
}

// What the scripted stages received, and how they reply.
struct stage_script {
  std::mutex mutex;
  std::vector<protocol::ratelimit_request> ratelimit_requests;
  std::vector<protocol::authz_request> authz_requests;
  std::vector<protocol::ownership_record_request> ownership_requests;
  std::vector<protocol::audit_event> audit_events;
  std::vector<protocol::audit_outcome> audit_outcomes;
  protocol::ratelimit_reply ratelimit_reply{true, 100, 99, 60, 0};
  protocol::authz_reply authz_reply{true, "", "", "rev-7", false};
  protocol::audit_ack audit_ack{true, ""};
  bool ratelimit_silent = false;  // Never reply, so the call times out.
  // Sent as unknown_memory_ids until an authz_request sets memory_ids_resolved.
  std::vector<std::string> unknown_memory_ids;
  std::vector<protocol::ownership_resolve_request> resolve_requests;
  protocol::ownership_resolve_reply resolve_reply{"acme", ""};
  std::vector<protocol::ownership_lookup_request> lookup_requests;
  std::map<std::string, std::string> owners;  // "kind:id" -> tenant, for ownership_lookup.
  bool lookup_fails = false;
};

transport::request_handler ratelimit_handler(stage_script* script) {
  return [script](const protocol::decoded_envelope& request, transport::responder answer) {
    auto body = request.body_as<protocol::ratelimit_request>();
    std::lock_guard<std::mutex> lock(script->mutex);
    if (body)
      script->ratelimit_requests.push_back(*body);
    if (!script->ratelimit_silent)
      answer.reply(message_kind::ratelimit_result, script->ratelimit_reply);
  };
}

transport::request_handler authz_handler(stage_script* script) {
  return [script](const protocol::decoded_envelope& request, transport::responder answer) {
    std::lock_guard<std::mutex> lock(script->mutex);
    if (request.header().kind == message_kind::ownership_record) {
      auto body = request.body_as<protocol::ownership_record_request>();
      if (body)
        script->ownership_requests.push_back(*body);
      protocol::ownership_record_reply reply;
      reply.recorded = body ? static_cast<std::uint32_t>(body->subjects.size()) : 0;
      answer.reply(message_kind::ownership_recorded, reply);
      return;
    }
    if (request.header().kind == message_kind::ownership_resolve) {
      auto body = request.body_as<protocol::ownership_resolve_request>();
      if (body)
        script->resolve_requests.push_back(*body);
      answer.reply(message_kind::ownership_resolved, script->resolve_reply);
      return;
    }
    if (request.header().kind == message_kind::ownership_lookup) {
      auto body = request.body_as<protocol::ownership_lookup_request>();
      if (!body || script->lookup_fails) {
        answer.reply_error("registry down");
        return;
      }
      script->lookup_requests.push_back(*body);
      protocol::ownership_lookup_reply reply;
      for (const protocol::subject_ref& subject : body->subjects) {
        auto owner = script->owners.find(subject.kind + ":" + subject.id);
        reply.subjects.push_back(
            {subject.kind, subject.id, owner == script->owners.end() ? "" : owner->second});
      }
      answer.reply(message_kind::ownership_owners, reply);
      return;
    }
    auto body = request.body_as<protocol::authz_request>();
    if (body)
      script->authz_requests.push_back(*body);
    if (body && !body->memory_ids_resolved && !script->unknown_memory_ids.empty()) {
      protocol::authz_reply resolve;
      resolve.unknown_memory_ids = script->unknown_memory_ids;
      answer.reply(message_kind::authz_result, resolve);
      return;
    }
    answer.reply(message_kind::authz_result, script->authz_reply);
  };
}

transport::request_handler audit_handler(stage_script* script) {
  return [script](const protocol::decoded_envelope& request, transport::responder answer) {
    std::lock_guard<std::mutex> lock(script->mutex);
    if (request.header().kind == message_kind::audit_outcome) {
      auto body = request.body_as<protocol::audit_outcome>();
      if (body)
        script->audit_outcomes.push_back(*body);
    } else {
      auto body = request.body_as<protocol::audit_event>();
      if (body)
        script->audit_events.push_back(*body);
    }
    answer.reply(message_kind::audit_ack, script->audit_ack);
  };
}

// A blocking HTTP/1.1 client with one keep-alive connection.
class test_client {
 public:
  explicit test_client(int port) : socket_(io_) {
    socket_.connect({net::ip::make_address("127.0.0.1"), static_cast<unsigned short>(port)});
  }

  test_response send(test_request request) {
    request.prepare_payload();
    http::write(socket_, request);
    return receive();
  }

  // Writes raw bytes, for requests Beast would refuse to serialize.
  test_response send_raw(const std::string& bytes) {
    net::write(socket_, net::buffer(bytes));
    return receive();
  }

  // Reads the next response on the connection.
  test_response receive() {
    test_response response;
    http::read(socket_, buffer_, response);
    return response;
  }

  // Whether the server closes the connection within five seconds (a read returns end of
  // stream or a reset). Uses recv(2) with SO_RCVTIMEO because asio's blocking read ignores it.
  bool closed_by_server() {
    timeval timeout{5, 0};
    ::setsockopt(socket_.native_handle(), SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
    char byte;
    ssize_t got = ::recv(socket_.native_handle(), &byte, 1, 0);
    return got == 0 || (got < 0 && errno == ECONNRESET);
  }

 private:
  net::io_context io_;
  net::ip::tcp::socket socket_;
  boost::beast::flat_buffer buffer_;
};

test_request identified(http::verb method, const std::string& target) {
  test_request request(method, target, 11);
  request.set(http::field::host, "gateway");
  request.set("X-User-Id", "agent-1");
  request.set("X-User-Role", "agent-writer");
  request.set("X-Tenant-Id", "acme");
  return request;
}

class GatewayEndToEnd : public ::testing::Test {
 protected:
  void SetUp() override {
    int base = random_base_port();
    runtime_.emplace(1);
    authz_server_.emplace(runtime_->system(),
                          transport::server_options{"authz", range(base), nullptr},
                          authz_handler(&script_));
    ratelimit_server_.emplace(runtime_->system(),
                              transport::server_options{"ratelimit", range(base + 10), nullptr},
                              ratelimit_handler(&script_));
    audit_server_.emplace(runtime_->system(),
                          transport::server_options{"audit-sink", range(base + 20), nullptr},
                          audit_handler(&script_));

    port_ = free_tcp_port();
    std::map<std::string, std::string> environment = {
        {"MEMGOV_INGRESS_LISTEN", "127.0.0.1:" + std::to_string(port_)},
        {"MEM0_URL", "http://127.0.0.1:" + std::to_string(mem0_.port())},
        {"MEM0_API_KEY", "gateway-key"},
        {"MEMGOV_INGRESS_AUTHZ_ENDPOINTS", authz_server_->bound_endpoint()},
        {"MEMGOV_INGRESS_RATELIMIT_ENDPOINTS", ratelimit_server_->bound_endpoint()},
        {"MEMGOV_INGRESS_AUDIT_ENDPOINTS", audit_server_->bound_endpoint()},
        {"MEMGOV_INGRESS_STAGE_TIMEOUT_MS", "200"},
        {"MEMGOV_INGRESS_UPSTREAM_TIMEOUT_MS", "500"},
        {"MEMGOV_INGRESS_UPSTREAM_IDLE_TIMEOUT_MS", "300"},
        {"MEMGOV_INGRESS_MAX_BODY_BYTES", "4096"},
        {"MEMGOV_INGRESS_MAX_HEADER_BYTES", "2048"},
    };
    for (const auto& [name, value] : extra_settings())
      environment[name] = value;
    settings_ = load_ingress_settings(config::settings_source::from_text("", environment));
    metrics_.emplace(registry_);

    authz_.emplace(runtime_->system(), options("authz", settings_.authz_endpoints), &registry_);
    ratelimit_.emplace(runtime_->system(), options("ratelimit", settings_.ratelimit_endpoints),
                       &registry_);
    audit_.emplace(runtime_->system(), options("audit-sink", settings_.audit_endpoints),
                   &registry_);
    gateway_.emplace(settings_, stage_clients{&*authz_, &*ratelimit_, &*audit_}, *metrics_);
    gateway_->start();

    auto deadline = std::chrono::steady_clock::now() + 5s;
    while (std::chrono::steady_clock::now() < deadline &&
           (authz_->reachable_peers() == 0 || ratelimit_->reachable_peers() == 0 ||
            audit_->reachable_peers() == 0)) {
      std::this_thread::sleep_for(20ms);
    }
  }

  void TearDown() override {
    // The order that the gateway's lifetime rule requires: stop it, end the stage clients' threads
    // (destroying the actor system waits for them), then destroy the gateway.
    gateway_->stop();
    authz_->stop();
    ratelimit_->stop();
    audit_->stop();
    authz_server_->stop();
    ratelimit_server_->stop();
    audit_server_->stop();
    authz_.reset();
    ratelimit_.reset();
    audit_.reset();
    authz_server_.reset();
    ratelimit_server_.reset();
    audit_server_.reset();
    runtime_.reset();
    gateway_.reset();
  }

  // Settings a derived fixture adds or overrides, as environment variables.
  virtual std::map<std::string, std::string> extra_settings() const { return {}; }

  static std::string range(int base) {
    return "tcp://127.0.0.1:" + std::to_string(base) + "-" + std::to_string(base + 3);
  }

  transport::client_options options(const std::string& stage, const std::string& endpoints) {
    transport::client_options result;
    result.peer_stage = stage;
    result.endpoints = endpoints;
    result.timeout = settings_.stage_timeout;
    result.retries = 0;
    result.ping_interval = 50ms;
    return result;
  }

  std::vector<protocol::audit_event> audit_events() {
    std::lock_guard<std::mutex> lock(script_.mutex);
    return script_.audit_events;
  }

  // Waits up to two seconds for `count` outcomes: they are sent after the response.
  std::vector<protocol::audit_outcome> audit_outcomes(std::size_t count) {
    auto deadline = std::chrono::steady_clock::now() + 2s;
    for (;;) {
      {
        std::lock_guard<std::mutex> lock(script_.mutex);
        if (script_.audit_outcomes.size() >= count ||
            std::chrono::steady_clock::now() >= deadline) {
          return script_.audit_outcomes;
        }
      }
      std::this_thread::sleep_for(10ms);
    }
  }

  fake_mem0 mem0_;
  stage_script script_;
  ingress_settings settings_;
  prometheus::Registry registry_;
  std::optional<ingress_metrics> metrics_;
  // Destroyed in TearDown in the order that the lifetime rule of ingress_gateway requires.
  std::optional<ingress_gateway> gateway_;
  std::optional<runtime::actor_runtime> runtime_;
  std::optional<transport::stage_server> authz_server_;
  std::optional<transport::stage_server> ratelimit_server_;
  std::optional<transport::stage_server> audit_server_;
  std::optional<transport::stage_client> authz_;
  std::optional<transport::stage_client> ratelimit_;
  std::optional<transport::stage_client> audit_;
  int port_ = 0;
};

TEST_F(GatewayEndToEnd, HealthAndReady) {
  test_client client(port_);
  test_response health = client.send(test_request(http::verb::get, "/health", 11));
  EXPECT_EQ(health.result_int(), 200);
  EXPECT_EQ(health.body(), "{\"status\":\"ok\"}");
  test_response ready = client.send(test_request(http::verb::get, "/ready", 11));
  EXPECT_EQ(ready.result_int(), 200) << ready.body();
  auto body = nlohmann::json::parse(ready.body());
  EXPECT_EQ(body["status"], "ready");
  EXPECT_EQ(mem0_.request_count(), 0u);
}

TEST_F(GatewayEndToEnd, AllowedRequestIsForwardedWithoutClientCredentials) {
  mem0_.set_responder([](const test_request&) {
    test_response response(http::status::ok, 11);
    response.set(http::field::content_type, "application/json");
    response.set("X-Request-ID", "mem0-own-id");
    // The record names the user the request names, so response scoping needs no owner lookup.
    response.body() = "{\"results\":[{\"id\":\"m1\",\"user_id\":\"alice\"}]}";
    return response;
  });
  test_request request = identified(http::verb::get, "/memories?user_id=alice&top_k=5");
  request.set("X-Request-Id", "client-req-1");
  request.set("Authorization", "Bearer client-token");
  request.set("X-Api-Key", "client-key");
  request.set("X_Forwarded_Host", "evil.example");
  request.set("Cookie", "session=1");
  request.set("X-Forwarded-For", "10.1.1.1");
  request.set("traceparent", "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01");
  request.set(http::field::connection, "keep-alive, X-Secret");
  request.set("X-Secret", "hop");

  test_client client(port_);
  test_response response = client.send(request);

  EXPECT_EQ(response.result_int(), 200) << response.body();
  EXPECT_EQ(response.body(), "{\"results\":[{\"id\":\"m1\",\"user_id\":\"alice\"}]}");
  EXPECT_EQ(response["X-Request-Id"], "client-req-1");
  EXPECT_EQ(response.count("X-Request-Id"), 1u);
  EXPECT_EQ(response["RateLimit-Limit"], "100");
  EXPECT_EQ(response["RateLimit-Remaining"], "99");
  EXPECT_EQ(response["RateLimit-Reset"], "60");

  auto received = mem0_.requests();
  ASSERT_EQ(received.size(), 1u);
  const test_request& upstream = received.front();
  EXPECT_EQ(upstream.target(), "/memories?user_id=alice&top_k=5");
  EXPECT_EQ(upstream["X-API-Key"], "gateway-key");
  EXPECT_EQ(upstream.count("X-API-Key"), 1u);
  EXPECT_EQ(upstream["X-Request-Id"], "client-req-1");
  EXPECT_EQ(upstream[http::field::host], "127.0.0.1:" + std::to_string(mem0_.port()));
  EXPECT_EQ(upstream["traceparent"], "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01");
  for (const char* name : {"X-User-Id", "X-User-Role", "X-Tenant-Id", "Authorization", "Cookie",
                           "X-Forwarded-For", "X_Forwarded_Host", "X-Secret"}) {
    EXPECT_EQ(upstream.count(name), 0u) << name;
  }

  auto events = audit_events();
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].decision, "allow");
  EXPECT_EQ(events[0].request_id, "client-req-1");
  EXPECT_EQ(events[0].tenant_id, "acme");
  EXPECT_EQ(events[0].actor_id, "agent-1");
  EXPECT_EQ(events[0].actor_role, "agent-writer");
  EXPECT_EQ(events[0].action, "read");
  EXPECT_EQ(events[0].resource, "user_id:alice");
  EXPECT_EQ(events[0].policy_revision, "rev-7");
  EXPECT_EQ(events[0].source_ip, "127.0.0.1");
  EXPECT_EQ(events[0].event_id.size(), 36u);
  EXPECT_EQ(events[0].status_code, 0);

  auto outcomes = audit_outcomes(1);
  ASSERT_EQ(outcomes.size(), 1u);
  EXPECT_EQ(outcomes[0].event_id, events[0].event_id);
  EXPECT_EQ(outcomes[0].timestamp_unix_us, events[0].timestamp_unix_us);
  EXPECT_EQ(outcomes[0].request_id, "client-req-1");
  EXPECT_EQ(outcomes[0].status_code, 200);
  EXPECT_EQ(outcomes[0].upstream_status, 200);
  EXPECT_GE(outcomes[0].upstream_latency_ms, 0);
  EXPECT_GE(outcomes[0].latency_ms, outcomes[0].upstream_latency_ms);
  EXPECT_TRUE(outcomes[0].error.empty());
  EXPECT_GE(outcomes[0].completed_unix_us, outcomes[0].timestamp_unix_us);

  std::lock_guard<std::mutex> lock(script_.mutex);
  ASSERT_EQ(script_.ratelimit_requests.size(), 1u);
  EXPECT_EQ(script_.ratelimit_requests[0].role, "agent-writer");
  ASSERT_EQ(script_.authz_requests.size(), 1u);
  EXPECT_EQ(script_.authz_requests[0].action, "read");
  EXPECT_EQ(script_.authz_requests[0].path, "/memories");
  EXPECT_EQ(script_.authz_requests[0].method, "GET");
  ASSERT_EQ(script_.authz_requests[0].subjects.size(), 1u);
  EXPECT_EQ(script_.authz_requests[0].subjects[0].id, "alice");
}

TEST_F(GatewayEndToEnd, BodyIsForwardedByteForByte) {
  std::string body =
      "{ \"messages\" : [ {\"role\":\"user\", \"content\":\"hi\"} ],\n"
      "  \"user_id\":\"alice\" }";
  test_request request = identified(http::verb::post, "/memories");
  request.set(http::field::content_type, "application/json");
  request.body() = body;
  test_client client(port_);
  test_response response = client.send(request);
  EXPECT_EQ(response.result_int(), 200) << response.body();
  auto received = mem0_.requests();
  ASSERT_EQ(received.size(), 1u);
  EXPECT_EQ(received[0].body(), body);
  EXPECT_EQ(received[0][http::field::content_type], "application/json");
}

TEST_F(GatewayEndToEnd, AddMemoryRecordsOwnershipBeforeAnswering) {
  mem0_.set_responder([](const test_request&) {
    test_response response(http::status::ok, 11);
    response.set(http::field::content_type, "application/json");
    response.body() =
        "{\"results\":[{\"id\":\"0b7e2f4c-1111-4aaa-8bbb-123456789abc\",\"memory\":\"x\","
        "\"event\":\"ADD\"}]}";
    return response;
  });
  test_request request = identified(http::verb::post, "/memories");
  request.set(http::field::content_type, "application/json");
  request.body() = "{\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],\"user_id\":\"alice\"}";
  test_client client(port_);
  test_response response = client.send(request);
  EXPECT_EQ(response.result_int(), 200) << response.body();

  std::lock_guard<std::mutex> lock(script_.mutex);
  ASSERT_EQ(script_.ownership_requests.size(), 1u);
  EXPECT_EQ(script_.ownership_requests[0].tenant, "acme");
  ASSERT_EQ(script_.ownership_requests[0].subjects.size(), 1u);
  EXPECT_EQ(script_.ownership_requests[0].subjects[0].kind, "memory_id");
  EXPECT_EQ(script_.ownership_requests[0].subjects[0].id, "0b7e2f4c-1111-4aaa-8bbb-123456789abc");
}

TEST_F(GatewayEndToEnd, RateLimitedRequestAnswers429) {
  {
    std::lock_guard<std::mutex> lock(script_.mutex);
    script_.ratelimit_reply = protocol::ratelimit_reply{false, 10, 0, 30, 7};
  }
  test_client client(port_);
  test_response response = client.send(identified(http::verb::get, "/memories?user_id=alice"));
  EXPECT_EQ(response.result_int(), 429);
  EXPECT_EQ(response[http::field::retry_after], "7");
  EXPECT_EQ(response["RateLimit-Limit"], "10");
  EXPECT_EQ(response["RateLimit-Remaining"], "0");
  EXPECT_EQ(response["RateLimit-Reset"], "30");
  auto body = nlohmann::json::parse(response.body());
  EXPECT_EQ(body["error"], "rate_limited");
  EXPECT_EQ(body["request_id"], std::string(response["X-Request-Id"]));
  EXPECT_EQ(mem0_.request_count(), 0u);
  auto events = audit_events();
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].decision, "rate_limited");
  EXPECT_EQ(events[0].status_code, 429);
  std::this_thread::sleep_for(100ms);
  EXPECT_TRUE(audit_outcomes(0).empty());
}

TEST_F(GatewayEndToEnd, PolicyDenialAnswers403WithReason) {
  {
    std::lock_guard<std::mutex> lock(script_.mutex);
    script_.authz_reply = protocol::authz_reply{false, "tenant mismatch", "other", "rev-8", false};
  }
  test_client client(port_);
  test_response response =
      client.send(identified(http::verb::get, "/memories/0b7e2f4c-1111-4aaa-8bbb-123456789abc"));
  EXPECT_EQ(response.result_int(), 403);
  auto body = nlohmann::json::parse(response.body());
  EXPECT_EQ(body["error"], "forbidden");
  EXPECT_EQ(body["reason"], "tenant mismatch");
  EXPECT_EQ(response["RateLimit-Limit"], "100");
  EXPECT_EQ(mem0_.request_count(), 0u);
  auto events = audit_events();
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].decision, "deny");
  EXPECT_EQ(events[0].reason, "tenant mismatch");
  EXPECT_EQ(events[0].status_code, 403);
  EXPECT_EQ(events[0].policy_revision, "rev-8");
}

TEST_F(GatewayEndToEnd, InvalidRequestIsAuditedAndAnswers400) {
  test_request request = identified(http::verb::get, "/memories?user_id=alice");
  request.erase("X-Tenant-Id");
  test_client client(port_);
  test_response response = client.send(request);
  EXPECT_EQ(response.result_int(), 400);
  auto body = nlohmann::json::parse(response.body());
  EXPECT_EQ(body["error"], "invalid_request");
  EXPECT_NE(std::string(body["reason"]).find("X-Tenant-Id"), std::string::npos);
  auto events = audit_events();
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].decision, "invalid_request");
  EXPECT_EQ(events[0].status_code, 400);
  std::lock_guard<std::mutex> lock(script_.mutex);
  EXPECT_TRUE(script_.ratelimit_requests.empty());
}

TEST_F(GatewayEndToEnd, UnknownRouteIsDenied) {
  test_client client(port_);
  test_response response = client.send(identified(http::verb::get, "/docs"));
  EXPECT_EQ(response.result_int(), 403);
  auto body = nlohmann::json::parse(response.body());
  EXPECT_EQ(body["reason"], "unknown route");
  auto events = audit_events();
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].decision, "deny");
}

TEST_F(GatewayEndToEnd, AuditFailureBlocksForwarding) {
  {
    std::lock_guard<std::mutex> lock(script_.mutex);
    script_.audit_ack = protocol::audit_ack{false, "database down"};
  }
  test_client client(port_);
  test_response response = client.send(identified(http::verb::get, "/memories?user_id=alice"));
  EXPECT_EQ(response.result_int(), 503);
  auto body = nlohmann::json::parse(response.body());
  EXPECT_EQ(body["error"], "audit_unavailable");
  EXPECT_NE(std::string(body["reason"]).find("database down"), std::string::npos);
  EXPECT_EQ(mem0_.request_count(), 0u);
}

TEST_F(GatewayEndToEnd, SilentStageAnswers503NamingIt) {
  {
    std::lock_guard<std::mutex> lock(script_.mutex);
    script_.ratelimit_silent = true;
  }
  test_client client(port_);
  auto started = std::chrono::steady_clock::now();
  test_response response = client.send(identified(http::verb::get, "/memories?user_id=alice"));
  auto elapsed = std::chrono::steady_clock::now() - started;
  EXPECT_EQ(response.result_int(), 503);
  auto body = nlohmann::json::parse(response.body());
  EXPECT_EQ(body["error"], "stage_unavailable");
  EXPECT_NE(std::string(body["reason"]).find("ratelimit unavailable"), std::string::npos)
      << body["reason"];
  EXPECT_LT(elapsed, 1s);
  EXPECT_EQ(mem0_.request_count(), 0u);
  auto events = audit_events();
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].decision, "error");
  EXPECT_EQ(events[0].status_code, 503);
}

TEST_F(GatewayEndToEnd, UpstreamErrorsAreRelayed) {
  mem0_.set_responder([](const test_request&) {
    test_response response(http::status::unprocessable_entity, 11);
    response.set(http::field::content_type, "application/problem+json");
    response.body() = "{\"detail\":[]}";
    return response;
  });
  test_client client(port_);
  test_response response = client.send(identified(http::verb::get, "/memories?user_id=alice"));
  EXPECT_EQ(response.result_int(), 422);
  EXPECT_EQ(response[http::field::content_type], "application/problem+json");
  EXPECT_EQ(response.body(), "{\"detail\":[]}");
}

TEST_F(GatewayEndToEnd, RedirectIsRelayedNotFollowed) {
  mem0_.set_responder([](const test_request&) {
    test_response response(http::status::temporary_redirect, 11);
    response.set(http::field::location, "http://127.0.0.1:1/elsewhere");
    return response;
  });
  test_client client(port_);
  test_response response = client.send(identified(http::verb::get, "/memories?user_id=alice"));
  EXPECT_EQ(response.result_int(), 307);
  EXPECT_EQ(response[http::field::location], "http://127.0.0.1:1/elsewhere");
  EXPECT_EQ(mem0_.request_count(), 1u);
}

TEST_F(GatewayEndToEnd, UpstreamTimeoutAnswers504) {
  mem0_.set_delay(1500ms);
  test_client client(port_);
  test_response response = client.send(identified(http::verb::get, "/memories?user_id=alice"));
  EXPECT_EQ(response.result_int(), 504);
  auto body = nlohmann::json::parse(response.body());
  EXPECT_EQ(body["error"], "upstream_timeout");
  auto outcomes = audit_outcomes(1);
  ASSERT_EQ(outcomes.size(), 1u);
  EXPECT_EQ(outcomes[0].status_code, 504);
  EXPECT_EQ(outcomes[0].upstream_status, 0);
  EXPECT_FALSE(outcomes[0].error.empty());
}

TEST_F(GatewayEndToEnd, AuthzDependencyFailureAnswers503) {
  {
    std::lock_guard<std::mutex> lock(script_.mutex);
    script_.authz_reply = protocol::authz_reply{false, "OPA did not answer", "", "", true};
  }
  test_client client(port_);
  test_response response = client.send(identified(http::verb::get, "/memories?user_id=alice"));
  EXPECT_EQ(response.result_int(), 503);
  auto body = nlohmann::json::parse(response.body());
  EXPECT_EQ(body["error"], "stage_unavailable");
  EXPECT_EQ(body["reason"], "authz unavailable: OPA did not answer");
  auto events = audit_events();
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].decision, "error");
  EXPECT_EQ(mem0_.request_count(), 0u);
}

TEST_F(GatewayEndToEnd, DroppedReusedConnectionRetriesGet) {
  test_client client(port_);
  ASSERT_EQ(client.send(identified(http::verb::get, "/memories?user_id=alice")).result_int(), 200);
  mem0_.drop_next(1);
  test_response response = client.send(identified(http::verb::get, "/memories?user_id=alice"));
  EXPECT_EQ(response.result_int(), 200) << response.body();
  EXPECT_EQ(mem0_.request_count(), 3u);
  EXPECT_EQ(mem0_.connections(), 2);
}

TEST_F(GatewayEndToEnd, DroppedReusedConnectionFailsPost) {
  test_client client(port_);
  ASSERT_EQ(client.send(identified(http::verb::get, "/memories?user_id=alice")).result_int(), 200);
  mem0_.drop_next(1);
  test_request request = identified(http::verb::post, "/search");
  request.set(http::field::content_type, "application/json");
  request.body() = "{\"query\":\"q\",\"user_id\":\"alice\"}";
  test_response response = client.send(request);
  EXPECT_EQ(response.result_int(), 502) << response.body();
  auto body = nlohmann::json::parse(response.body());
  EXPECT_EQ(body["error"], "upstream_unavailable");
  EXPECT_EQ(mem0_.request_count(), 2u);
}

TEST_F(GatewayEndToEnd, KeepAliveServesManyRequestsOnOneConnection) {
  test_client client(port_);
  for (int i = 0; i < 20; ++i) {
    ASSERT_EQ(client.send(identified(http::verb::get, "/memories?user_id=alice")).result_int(),
              200);
  }
  EXPECT_EQ(mem0_.connections(), 1);
}

TEST_F(GatewayEndToEnd, IdleUpstreamConnectionIsRetired) {
  test_client client(port_);
  ASSERT_EQ(client.send(identified(http::verb::get, "/memories?user_id=alice")).result_int(), 200);
  std::this_thread::sleep_for(700ms);
  ASSERT_EQ(client.send(identified(http::verb::get, "/memories?user_id=alice")).result_int(), 200);
  EXPECT_EQ(mem0_.connections(), 2);
}

TEST_F(GatewayEndToEnd, BodyOverLimitAnswers413) {
  test_request request = identified(http::verb::post, "/memories");
  request.body() = std::string(5000, 'x');
  test_client client(port_);
  test_response response = client.send(request);
  EXPECT_EQ(response.result_int(), 413);
  auto body = nlohmann::json::parse(response.body());
  EXPECT_EQ(body["error"], "body_too_large");
  EXPECT_FALSE(response.keep_alive());
  EXPECT_EQ(mem0_.request_count(), 0u);
}

TEST_F(GatewayEndToEnd, HeaderBlockOverLimitAnswers431) {
  test_request request = identified(http::verb::get, "/memories?user_id=alice");
  request.set("X-Padding", std::string(3000, 'p'));
  test_client client(port_);
  test_response response = client.send(request);
  EXPECT_EQ(response.result_int(), 431);
  EXPECT_EQ(mem0_.request_count(), 0u);
}

TEST_F(GatewayEndToEnd, ContentLengthWithTransferEncodingAnswers400AndCloses) {
  test_client client(port_);
  test_response response = client.send_raw(
      "POST /memories HTTP/1.1\r\nHost: g\r\nX-User-Id: a\r\nX-User-Role: r\r\n"
      "X-Tenant-Id: t\r\nTransfer-Encoding: gzip\r\nContent-Length: 2\r\n\r\n{}");
  EXPECT_EQ(response.result_int(), 400);
  EXPECT_FALSE(response.keep_alive());
  EXPECT_TRUE(client.closed_by_server());
  EXPECT_EQ(mem0_.request_count(), 0u);
}

TEST_F(GatewayEndToEnd, ChunkedAfterContentLengthAnswers400) {
  test_client client(port_);
  test_response response = client.send_raw(
      "POST /memories HTTP/1.1\r\nHost: g\r\nContent-Length: 2\r\n"
      "Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n");
  EXPECT_EQ(response.result_int(), 400);
  EXPECT_TRUE(client.closed_by_server());
}

TEST_F(GatewayEndToEnd, UnsupportedTransferCodingAnswers400) {
  test_client client(port_);
  test_response response =
      client.send_raw("POST /memories HTTP/1.1\r\nHost: g\r\nTransfer-Encoding: gzip\r\n\r\n");
  EXPECT_EQ(response.result_int(), 400);
}

TEST_F(GatewayEndToEnd, MalformedRequestAnswers400AndCloses) {
  test_client client(port_);
  test_response response = client.send_raw("GET /memories HTTP/1.1\r\nBad Header\r\n\r\n");
  EXPECT_EQ(response.result_int(), 400);
  auto body = nlohmann::json::parse(response.body());
  EXPECT_EQ(body["error"], "bad_request");
  EXPECT_TRUE(client.closed_by_server());
}

TEST_F(GatewayEndToEnd, ChunkedRequestBodyIsForwardedWithLength) {
  test_client client(port_);
  std::string body = "{\"query\":\"q\",\"user_id\":\"alice\"}";
  char size[16];
  std::snprintf(size, sizeof size, "%zx", body.size());
  test_response response = client.send_raw(
      "POST /search HTTP/1.1\r\nHost: g\r\nX-User-Id: a\r\nX-User-Role: r\r\n"
      "X-Tenant-Id: t\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n" +
      std::string(size) + "\r\n" + body + "\r\n0\r\n\r\n");
  EXPECT_EQ(response.result_int(), 200) << response.body();
  auto received = mem0_.requests();
  ASSERT_EQ(received.size(), 1u);
  EXPECT_EQ(received[0].body(), body);
  EXPECT_EQ(received[0].count(http::field::transfer_encoding), 0u);
  EXPECT_EQ(received[0][http::field::content_length], std::to_string(body.size()));
}

TEST_F(GatewayEndToEnd, ExpectContinueIsAnswered) {
  test_client client(port_);
  std::string body = "{\"query\":\"q\",\"user_id\":\"alice\"}";
  test_response response = client.send_raw(
      "POST /search HTTP/1.1\r\nHost: g\r\nX-User-Id: a\r\nX-User-Role: r\r\n"
      "X-Tenant-Id: t\r\nContent-Type: application/json\r\nExpect: 100-continue\r\n"
      "Content-Length: " +
      std::to_string(body.size()) + "\r\n\r\n" + body);
  EXPECT_EQ(response.result_int(), 100);
  test_response final_response = client.receive();
  EXPECT_EQ(final_response.result_int(), 200) << final_response.body();
  auto received = mem0_.requests();
  ASSERT_EQ(received.size(), 1u);
  EXPECT_EQ(received[0].count(http::field::expect), 0u);
  EXPECT_EQ(received[0].body(), body);
}

constexpr const char* kMemoryId = "0b7e2f4c-1111-4aaa-8bbb-123456789abc";

// A fake Mem0 whose GET /memories/{id} returns `record` and whose other routes return 200 "{}".
fake_mem0::responder memory_reader(std::string record) {
  return [record](const test_request& request) {
    test_response response(http::status::ok, 11);
    response.set(http::field::content_type, "application/json");
    bool read = request.method() == http::verb::get &&
                std::string(request.target()) == std::string("/memories/") + kMemoryId;
    response.body() = read ? record : "{}";
    return response;
  };
}

TEST_F(GatewayEndToEnd, UnknownMemoryIdIsResolvedThenDecided) {
  {
    std::lock_guard<std::mutex> lock(script_.mutex);
    script_.unknown_memory_ids = {kMemoryId};
  }
  mem0_.set_responder(memory_reader(std::string("{\"id\":\"") + kMemoryId +
                                    "\",\"user_id\":\"alice\",\"agent_id\":\"bot\"}"));
  test_client client(port_);
  test_response response =
      client.send(identified(http::verb::get, std::string("/memories/") + kMemoryId));
  EXPECT_EQ(response.result_int(), 200) << response.body();

  std::lock_guard<std::mutex> lock(script_.mutex);
  ASSERT_EQ(script_.resolve_requests.size(), 1u);
  EXPECT_EQ(script_.resolve_requests[0].memory_id, kMemoryId);
  ASSERT_EQ(script_.resolve_requests[0].subjects.size(), 2u);
  EXPECT_EQ(script_.resolve_requests[0].subjects[0].id, "alice");
  EXPECT_EQ(script_.resolve_requests[0].subjects[1].kind, "agent_id");
  ASSERT_EQ(script_.authz_requests.size(), 2u);
  EXPECT_FALSE(script_.authz_requests[0].memory_ids_resolved);
  EXPECT_TRUE(script_.authz_requests[1].memory_ids_resolved);
  EXPECT_EQ(script_.ratelimit_requests.size(), 1u) << "the rate limit counts the request once";
  EXPECT_EQ(mem0_.request_count(), 2u) << "one read to resolve, one forwarded request";
}

TEST_F(GatewayEndToEnd, MissingMemoryReasonJoinsDenial) {
  {
    std::lock_guard<std::mutex> lock(script_.mutex);
    script_.unknown_memory_ids = {kMemoryId};
    script_.authz_reply =
        protocol::authz_reply{false, "resource has no owning tenant", "", "", false};
  }
  mem0_.set_responder(memory_reader("null"));
  test_client client(port_);
  test_response response =
      client.send(identified(http::verb::get, std::string("/memories/") + kMemoryId));
  EXPECT_EQ(response.result_int(), 403);
  auto body = nlohmann::json::parse(response.body());
  EXPECT_EQ(body["reason"], std::string("resource has no owning tenant; memory ") + kMemoryId +
                                " was not found in Mem0");
  std::lock_guard<std::mutex> lock(script_.mutex);
  EXPECT_TRUE(script_.resolve_requests.empty()) << "nothing to resolve from a missing record";
}

TEST_F(GatewayEndToEnd, UnreadableMemoryAnswers503) {
  {
    std::lock_guard<std::mutex> lock(script_.mutex);
    script_.unknown_memory_ids = {kMemoryId};
  }
  mem0_.set_responder([](const test_request&) {
    test_response response(http::status::bad_gateway, 11);
    response.body() = "{\"detail\":\"vector store down\"}";
    return response;
  });
  test_client client(port_);
  test_response response =
      client.send(identified(http::verb::get, std::string("/memories/") + kMemoryId));
  EXPECT_EQ(response.result_int(), 503);
  auto body = nlohmann::json::parse(response.body());
  EXPECT_EQ(body["error"], "upstream_unavailable");
  EXPECT_EQ(body["reason"], std::string("Mem0 unavailable while resolving the owner of memory ") +
                                kMemoryId + ": Mem0 returned HTTP 502");
  auto events = audit_events();
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].decision, "error");
  EXPECT_EQ(mem0_.request_count(), 1u) << "the request itself is not forwarded";
}

TEST_F(GatewayEndToEnd, FailedRateLimitSkipsResolution) {
  {
    std::lock_guard<std::mutex> lock(script_.mutex);
    script_.unknown_memory_ids = {kMemoryId};
    script_.ratelimit_silent = true;
  }
  mem0_.set_responder(memory_reader("null"));
  test_client client(port_);
  test_response response =
      client.send(identified(http::verb::get, std::string("/memories/") + kMemoryId));
  EXPECT_EQ(response.result_int(), 503);
  auto body = nlohmann::json::parse(response.body());
  EXPECT_EQ(body["error"], "stage_unavailable");
  EXPECT_NE(body["reason"].get<std::string>().find("ratelimit unavailable"), std::string::npos)
      << body["reason"];
  EXPECT_EQ(mem0_.request_count(), 0u);
}

TEST_F(GatewayEndToEnd, ForeignRecordIsRemovedAndAudited) {
  {
    std::lock_guard<std::mutex> lock(script_.mutex);
    script_.owners = {{"user_id:charlie", "globex"}, {"memory_id:m2", "globex"}};
  }
  mem0_.set_responder([](const test_request&) {
    test_response response(http::status::ok, 11);
    response.set(http::field::content_type, "application/json");
    response.body() =
        "{\"results\":[{\"id\":\"m1\",\"user_id\":\"alice\"},"
        "{\"id\":\"m2\",\"user_id\":\"charlie\"}]}";
    return response;
  });
  test_client client(port_);
  test_response response = client.send(identified(http::verb::get, "/memories?user_id=alice"));
  EXPECT_EQ(response.result_int(), 200) << response.body();
  EXPECT_EQ(response.body(), "{\"results\":[{\"id\":\"m1\",\"user_id\":\"alice\"}]}");
  EXPECT_EQ(response[http::field::content_length], std::to_string(response.body().size()));

  auto events = audit_events();
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[0].decision, "allow");
  EXPECT_EQ(events[1].decision, "deny");
  EXPECT_EQ(events[1].reason,
            "foreign record removed from response: 1 of 2 records (memory m2 belongs to globex)");
  EXPECT_EQ(events[1].status_code, 200);
  EXPECT_EQ(events[1].request_id, events[0].request_id);
  EXPECT_NE(events[1].event_id, events[0].event_id);
  std::lock_guard<std::mutex> lock(script_.mutex);
  ASSERT_EQ(script_.lookup_requests.size(), 1u);
  EXPECT_EQ(script_.lookup_requests[0].subjects.size(), 2u) << "charlie and memory m2";
}

TEST_F(GatewayEndToEnd, CrossTenantCallerGetsResponseUnscoped) {
  {
    std::lock_guard<std::mutex> lock(script_.mutex);
    script_.authz_reply.cross_tenant = true;
  }
  const std::string body = "{\"results\":[{\"id\":\"m2\",\"user_id\":\"charlie\"}]}";
  mem0_.set_responder([body](const test_request&) {
    test_response response(http::status::ok, 11);
    response.body() = body;
    return response;
  });
  test_client client(port_);
  test_response response = client.send(identified(http::verb::get, "/memories?user_id=alice"));
  EXPECT_EQ(response.result_int(), 200);
  EXPECT_EQ(response.body(), body);
  std::lock_guard<std::mutex> lock(script_.mutex);
  EXPECT_TRUE(script_.lookup_requests.empty());
}

TEST_F(GatewayEndToEnd, FailedScopeLookupAnswers503) {
  {
    std::lock_guard<std::mutex> lock(script_.mutex);
    script_.lookup_fails = true;
  }
  mem0_.set_responder([](const test_request&) {
    test_response response(http::status::ok, 11);
    response.body() = "{\"results\":[{\"id\":\"m2\",\"user_id\":\"charlie\"}]}";
    return response;
  });
  test_client client(port_);
  test_response response = client.send(identified(http::verb::get, "/memories?user_id=alice"));
  EXPECT_EQ(response.result_int(), 503);
  EXPECT_EQ(response.body().find("charlie"), std::string::npos);
}

TEST_F(GatewayEndToEnd, UnreadableListAnswers502) {
  mem0_.set_responder([](const test_request&) {
    test_response response(http::status::ok, 11);
    response.body() = "{\"items\":[]}";
    return response;
  });
  test_client client(port_);
  test_response response = client.send(identified(http::verb::get, "/memories?user_id=alice"));
  EXPECT_EQ(response.result_int(), 502);
  auto body = nlohmann::json::parse(response.body());
  EXPECT_EQ(body["reason"],
            "Mem0's response could not be scoped to the tenant: the response has no \"results\" "
            "list");
}

TEST_F(GatewayEndToEnd, GeneratedRequestIdReplacesInvalidOne) {
  test_request request = identified(http::verb::get, "/memories?user_id=alice");
  request.set("X-Request-Id", "not valid!");
  test_client client(port_);
  test_response response = client.send(request);
  std::string id(response["X-Request-Id"]);
  EXPECT_EQ(id.size(), 36u);
  auto received = mem0_.requests();
  ASSERT_EQ(received.size(), 1u);
  EXPECT_EQ(received[0]["X-Request-Id"], id);
}

class GatewayConnectionLimits : public GatewayEndToEnd {
 protected:
  std::map<std::string, std::string> extra_settings() const override {
    return {{"MEMGOV_INGRESS_MAX_CONNECTIONS", "2"}, {"MEMGOV_INGRESS_IDLE_TIMEOUT_MS", "300"}};
  }
};

TEST_F(GatewayConnectionLimits, ConnectionBeyondMaximumIsClosed) {
  test_client first(port_);
  test_client second(port_);
  ASSERT_EQ(first.send(test_request(http::verb::get, "/health", 11)).result_int(), 200);
  ASSERT_EQ(second.send(test_request(http::verb::get, "/health", 11)).result_int(), 200);
  test_client third(port_);
  EXPECT_TRUE(third.closed_by_server());
}

TEST_F(GatewayConnectionLimits, IdleConnectionIsClosed) {
  test_client client(port_);
  ASSERT_EQ(client.send(test_request(http::verb::get, "/health", 11)).result_int(), 200);
  auto started = std::chrono::steady_clock::now();
  EXPECT_TRUE(client.closed_by_server());
  EXPECT_LT(std::chrono::steady_clock::now() - started, 2s);
}

}  // namespace
}  // namespace memgov::ingress
