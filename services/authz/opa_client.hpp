// HTTP/1.1 client of OPA's data API with a small pool of keep-alive
// connections, on an asio io_context with a thread of its own.
//
// Every evaluation completes exactly once and within the timeout, which
// counts from the call and covers waiting for a free connection, connecting,
// sending and reading. A request that fails on a reused connection the server
// has closed is sent once more on a new one, since evaluating a policy has
// no side effects. Failures complete as a failed policy_outcome, so callers
// fail closed.
//
// TODO: plain HTTP only, which suits an OPA on loopback or a private network;
// supporting https:// URLs needs an asio::ssl::stream in place of tcp_stream.
#pragma once

#include <atomic>
#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <string>

#include "authz_settings.hpp"
#include "policy_result.hpp"

namespace memgov::authz {

class authz_metrics;

struct opa_client_options {
  http_url url;
  std::chrono::milliseconds timeout{200};
  std::size_t max_connections = 4;
  std::string decision_path = "/v1/data/mem0/authz/decision";
};

class opa_client {
 public:
  // Runs on the client's thread, or on the caller's after stop(), so it
  // must be quick and must not block.
  using completion = std::function<void(policy_outcome)>;

  // `metrics` and `ready` may be null. `ready` is set after every call to
  // whether it succeeded.
  opa_client(opa_client_options options, authz_metrics* metrics, std::atomic<bool>* ready);
  ~opa_client();

  opa_client(const opa_client&) = delete;
  opa_client& operator=(const opa_client&) = delete;

  // Posts `query_body` (a serialized {"input": ...}) and interprets the
  // response for `action`. Safe from any thread.
  void evaluate(std::string query_body, std::string action, completion done);

  // Fails every call in flight, closes the connections and joins the thread.
  void stop();

 private:
  class impl;
  std::shared_ptr<impl> impl_;
};

}  // namespace memgov::authz
