// The OPA client against a small HTTP server in the test process, which can
// delay, fail or drop connections on purpose, and against a real OPA named by
// MEMGOV_TEST_OPA_URL (skipped when unset).
#include "opa_client.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <cstdlib>
#include <future>
#include <list>
#include <mutex>
#include <thread>

#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include "policy_input.hpp"

namespace memgov::authz {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
using namespace std::chrono_literals;

// Blocking HTTP/1.1 server on a free loopback port, one thread per connection.
class test_http_server {
 public:
  struct behaviour {
    int status = 200;
    std::string body = R"({"result":{"allow":true,"revision":"r1"}})";
    std::chrono::milliseconds delay{0};
    bool drop_after_response = false;  // Close without saying so, like an idle timeout.
  };

  test_http_server() : acceptor_(io_, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0)) {
    port_ = acceptor_.local_endpoint().port();
    accept_thread_ = std::thread([this] { accept_loop(); });
  }

  ~test_http_server() {
    stopping_ = true;
    beast::error_code ignored;
    {
      // Closing the acceptor does not interrupt a blocking accept(); a
      // connection does.
      asio::io_context io;
      tcp::socket wake(io);
      wake.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port_), ignored);
    }
    accept_thread_.join();
    acceptor_.close(ignored);
    {
      std::lock_guard<std::mutex> lock(mutex_);
      for (auto& socket : sockets_) {
        socket->shutdown(tcp::socket::shutdown_both, ignored);
        socket->close(ignored);
      }
    }
    for (auto& thread : connection_threads_)
      thread.join();
  }

  void set(behaviour next) {
    std::lock_guard<std::mutex> lock(mutex_);
    behaviour_ = std::move(next);
  }

  http_url url() const { return http_url{"127.0.0.1", std::to_string(port_), ""}; }
  int connections() const { return connections_.load(); }
  int requests() const { return requests_.load(); }

  std::string last_target() {
    std::lock_guard<std::mutex> lock(mutex_);
    return last_target_;
  }
  std::string last_body() {
    std::lock_guard<std::mutex> lock(mutex_);
    return last_body_;
  }
  std::string last_content_type() {
    std::lock_guard<std::mutex> lock(mutex_);
    return last_content_type_;
  }

 private:
  void accept_loop() {
    while (!stopping_) {
      auto socket = std::make_shared<tcp::socket>(io_);
      beast::error_code error;
      acceptor_.accept(*socket, error);
      if (error || stopping_)
        return;
      ++connections_;
      std::lock_guard<std::mutex> lock(mutex_);
      sockets_.push_back(socket);
      connection_threads_.emplace_back([this, socket] { serve(socket); });
    }
  }

  void serve(const std::shared_ptr<tcp::socket>& socket) {
    beast::flat_buffer buffer;
    while (!stopping_) {
      http::request<http::string_body> request;
      beast::error_code error;
      http::read(*socket, buffer, request, error);
      if (error)
        return;
      ++requests_;
      behaviour current;
      {
        std::lock_guard<std::mutex> lock(mutex_);
        current = behaviour_;
        last_target_ = std::string(request.target());
        last_body_ = request.body();
        last_content_type_ = std::string(request[http::field::content_type]);
      }
      std::this_thread::sleep_for(current.delay);
      http::response<http::string_body> response(static_cast<http::status>(current.status), 11);
      response.set(http::field::content_type, "application/json");
      response.keep_alive(true);
      response.body() = current.body;
      response.prepare_payload();
      http::write(*socket, response, error);
      if (error || current.drop_after_response) {
        socket->shutdown(tcp::socket::shutdown_both, error);
        socket->close(error);
        return;
      }
    }
  }

  asio::io_context io_;
  tcp::acceptor acceptor_;
  unsigned short port_ = 0;
  std::atomic<bool> stopping_{false};
  std::atomic<int> connections_{0};
  std::atomic<int> requests_{0};
  std::mutex mutex_;
  behaviour behaviour_;
  std::string last_target_;
  std::string last_body_;
  std::string last_content_type_;
  std::list<std::shared_ptr<tcp::socket>> sockets_;
  std::list<std::thread> connection_threads_;
  std::thread accept_thread_;
};

std::future<policy_outcome> evaluate_async(opa_client& client, std::string body,
                                           std::string action = "read") {
  auto promise = std::make_shared<std::promise<policy_outcome>>();
  std::future<policy_outcome> future = promise->get_future();
  client.evaluate(std::move(body), std::move(action),
                  [promise](policy_outcome outcome) { promise->set_value(std::move(outcome)); });
  return future;
}

policy_outcome evaluate_and_wait(opa_client& client, std::string body = R"({"input":{}})",
                                 std::string action = "read") {
  std::future<policy_outcome> future = evaluate_async(client, std::move(body), std::move(action));
  if (future.wait_for(5s) != std::future_status::ready) {
    ADD_FAILURE() << "evaluation did not complete";
    return {};
  }
  return future.get();
}

opa_client_options options_for(const http_url& url, std::chrono::milliseconds timeout = 500ms,
                               std::size_t connections = 4) {
  opa_client_options options;
  options.url = url;
  options.timeout = timeout;
  options.max_connections = connections;
  return options;
}

TEST(OpaClient, PostsQueryAndReadsDecision) {
  test_http_server server;
  std::atomic<bool> ready{false};
  opa_client client(options_for(server.url()), nullptr, &ready);
  policy_outcome outcome = evaluate_and_wait(client, R"({"input":{"action":"read"}})");
  EXPECT_TRUE(outcome.evaluated);
  EXPECT_TRUE(outcome.allowed);
  EXPECT_EQ(outcome.revision, "r1");
  EXPECT_TRUE(ready.load());
  EXPECT_EQ(server.last_target(), "/v1/data/mem0/authz/decision");
  EXPECT_EQ(server.last_body(), R"({"input":{"action":"read"}})");
  EXPECT_EQ(server.last_content_type(), "application/json");
}

TEST(OpaClient, PrefixPrependedToPath) {
  test_http_server server;
  http_url url = server.url();
  url.prefix = "/opa";
  opa_client client(options_for(url), nullptr, nullptr);
  evaluate_and_wait(client);
  EXPECT_EQ(server.last_target(), "/opa/v1/data/mem0/authz/decision");
}

TEST(OpaClient, KeepAliveReusesConnection) {
  test_http_server server;
  opa_client client(options_for(server.url()), nullptr, nullptr);
  for (int i = 0; i < 5; ++i) {
    EXPECT_TRUE(evaluate_and_wait(client).allowed);
  }
  EXPECT_EQ(server.connections(), 1);
  EXPECT_EQ(server.requests(), 5);
}

TEST(OpaClient, DroppedIdleConnectionRetried) {
  test_http_server server;
  test_http_server::behaviour dropping;
  dropping.drop_after_response = true;
  server.set(dropping);
  opa_client client(options_for(server.url()), nullptr, nullptr);
  for (int i = 0; i < 3; ++i) {
    policy_outcome outcome = evaluate_and_wait(client);
    EXPECT_TRUE(outcome.allowed) << i << ": " << outcome.reason;
  }
  EXPECT_EQ(server.requests(), 3);
  EXPECT_EQ(server.connections(), 3);
}

TEST(OpaClient, SlowServerTimesOut) {
  test_http_server server;
  test_http_server::behaviour slow;
  slow.delay = 400ms;
  server.set(slow);
  std::atomic<bool> ready{true};
  opa_client client(options_for(server.url(), 100ms), nullptr, &ready);
  auto started = std::chrono::steady_clock::now();
  policy_outcome outcome = evaluate_and_wait(client);
  auto elapsed = std::chrono::steady_clock::now() - started;
  EXPECT_FALSE(outcome.evaluated);
  EXPECT_FALSE(outcome.allowed);
  EXPECT_EQ(outcome.error_cause, "timeout");
  EXPECT_EQ(outcome.reason, "policy engine unavailable: no answer from OPA within 100 ms");
  EXPECT_LT(elapsed, 300ms);
  EXPECT_FALSE(ready.load());
}

TEST(OpaClient, RefusedConnectionFailsClosed) {
  http_url url;
  {
    test_http_server server;  // Take a free port, then release it.
    url = server.url();
  }
  opa_client client(options_for(url), nullptr, nullptr);
  policy_outcome outcome = evaluate_and_wait(client);
  EXPECT_FALSE(outcome.evaluated);
  EXPECT_FALSE(outcome.allowed);
  EXPECT_EQ(outcome.error_cause, "connect");
  EXPECT_NE(outcome.reason.find("policy engine unavailable: connecting to 127.0.0.1"),
            std::string::npos)
      << outcome.reason;
}

TEST(OpaClient, ServerErrorFailsClosed) {
  test_http_server server;
  test_http_server::behaviour failing;
  failing.status = 500;
  failing.body = R"({"code":"internal_error","message":"boom"})";
  server.set(failing);
  opa_client client(options_for(server.url()), nullptr, nullptr);
  policy_outcome outcome = evaluate_and_wait(client);
  EXPECT_FALSE(outcome.allowed);
  EXPECT_EQ(outcome.error_cause, "http_status");
  EXPECT_EQ(outcome.reason, "policy engine unavailable: OPA returned HTTP 500: boom");
  // The connection stays usable after an error status.
  server.set(test_http_server::behaviour{});
  EXPECT_TRUE(evaluate_and_wait(client).allowed);
  EXPECT_EQ(server.connections(), 1);
}

TEST(OpaClient, CallsQueueForOneConnection) {
  test_http_server server;
  test_http_server::behaviour slowish;
  slowish.delay = 30ms;
  server.set(slowish);
  opa_client client(options_for(server.url(), 2000ms, 1), nullptr, nullptr);
  std::vector<std::future<policy_outcome>> futures;
  for (int i = 0; i < 4; ++i) {
    futures.push_back(evaluate_async(client, R"({"input":{}})"));
  }
  for (auto& future : futures) {
    ASSERT_EQ(future.wait_for(5s), std::future_status::ready);
    EXPECT_TRUE(future.get().allowed);
  }
  EXPECT_EQ(server.connections(), 1);
}

TEST(OpaClient, QueuedCallTimesOut) {
  test_http_server server;
  test_http_server::behaviour slow;
  slow.delay = 150ms;
  server.set(slow);
  opa_client client(options_for(server.url(), 200ms, 1), nullptr, nullptr);
  std::future<policy_outcome> first = evaluate_async(client, R"({"input":{}})");
  std::future<policy_outcome> second = evaluate_async(client, R"({"input":{}})");
  ASSERT_EQ(first.wait_for(5s), std::future_status::ready);
  ASSERT_EQ(second.wait_for(5s), std::future_status::ready);
  EXPECT_TRUE(first.get().allowed);
  policy_outcome late = second.get();
  EXPECT_FALSE(late.allowed);
  EXPECT_EQ(late.error_cause, "timeout");
}

TEST(OpaClient, StopFailsCallsInFlight) {
  test_http_server server;
  test_http_server::behaviour slow;
  slow.delay = 1000ms;
  server.set(slow);
  opa_client client(options_for(server.url(), 5000ms), nullptr, nullptr);
  std::future<policy_outcome> pending = evaluate_async(client, R"({"input":{}})");
  std::this_thread::sleep_for(50ms);
  client.stop();
  ASSERT_EQ(pending.wait_for(1s), std::future_status::ready);
  policy_outcome outcome = pending.get();
  EXPECT_FALSE(outcome.allowed);
  EXPECT_EQ(outcome.error_cause, "stopping");
  policy_outcome after = evaluate_and_wait(client);
  EXPECT_FALSE(after.allowed);
  EXPECT_EQ(after.error_cause, "stopping");
}

// Against a real OPA serving the repository's policies.

class RealOpaTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const char* url = std::getenv("MEMGOV_TEST_OPA_URL");
    if (!url)
      GTEST_SKIP() << "MEMGOV_TEST_OPA_URL is not set";
    client_ = std::make_unique<opa_client>(
        options_for(parse_http_url("MEMGOV_TEST_OPA_URL", url), 2000ms), nullptr, nullptr);
  }

  protocol::authz_request request(const std::string& role, const std::string& action) {
    protocol::authz_request r;
    r.request_id = "req-1";
    r.tenant = "acme";
    r.actor = "agent-1";
    r.roles = {role};
    r.action = action;
    r.method = "GET";
    r.path = "/memories";
    r.resource = "user_id:alice";
    r.time_unix_ms = 1764840600000;
    return r;
  }

  policy_outcome decide(const protocol::authz_request& r, const std::string& resource_tenant,
                        const std::vector<protocol::subject_ref>& subjects) {
    return evaluate_and_wait(
        *client_, serialize_policy_query(build_policy_input(r, resource_tenant, subjects)),
        r.action);
  }

  std::unique_ptr<opa_client> client_;
};

TEST_F(RealOpaTest, SameTenantReadAllowed) {
  policy_outcome outcome =
      decide(request("agent-reader", "read"), "acme", {{"user_id", "alice", "acme"}});
  EXPECT_TRUE(outcome.evaluated) << outcome.reason;
  EXPECT_TRUE(outcome.allowed) << outcome.reason;
  EXPECT_FALSE(outcome.revision.empty());
}

TEST_F(RealOpaTest, CrossTenantReadDenied) {
  policy_outcome outcome =
      decide(request("agent-reader", "read"), "globex", {{"user_id", "alice", "globex"}});
  EXPECT_TRUE(outcome.evaluated);
  EXPECT_FALSE(outcome.allowed);
  EXPECT_NE(outcome.reason.find("resource belongs to globex, requester is acme"), std::string::npos)
      << outcome.reason;
}

TEST_F(RealOpaTest, ReaderMayNotWrite) {
  policy_outcome outcome =
      decide(request("agent-reader", "write"), "acme", {{"user_id", "alice", "acme"}});
  EXPECT_FALSE(outcome.allowed);
  EXPECT_EQ(outcome.reason, "role agent-reader may not perform write");
}

TEST_F(RealOpaTest, EmptyInputDeniedWithReasons) {
  policy_outcome outcome = evaluate_and_wait(*client_, R"({"input":{}})");
  EXPECT_TRUE(outcome.evaluated);
  EXPECT_FALSE(outcome.allowed);
  EXPECT_NE(outcome.reason.find("tenant is missing or empty"), std::string::npos);
}

}  // namespace
}  // namespace memgov::authz
