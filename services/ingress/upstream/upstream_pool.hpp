// Keep-alive connections to Mem0, owned by one io thread.
//
// Every io thread has its own pool, so nothing here is locked: all members are used on the
// thread that runs the pool's io_context. A request takes an idle connection (most recently used
// first), else opens a new one while fewer than max_connections are open, else waits in a FIFO
// queue. Redirects are never followed: any response is returned to the caller as it came.
//
// NOTE: Mem0 may close an idle connection just as a request goes out on it. Idle connections are
// checked before reuse and retired after idle_timeout, which makes this rare, and an idempotent
// request that fails this way is sent once more on a fresh connection. A POST that hits it fails
// with upstream_status::unavailable.
#pragma once

#include <chrono>
#include <cstddef>
#include <deque>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>

#include "upstream/upstream_url.hpp"

namespace memgov::ingress {
class ingress_metrics;
}

namespace memgov::ingress::upstream {

using request_type = boost::beast::http::request<boost::beast::http::string_body>;
using response_type = boost::beast::http::response<boost::beast::http::string_body>;
using clock_type = std::chrono::steady_clock;

enum class upstream_status {
  ok,                // `response` contains Mem0's response, whatever its status code.
  unavailable,       // Mem0 could not be reached, or closed the connection before responding.
  timed_out,         // No complete response before the deadline.
  invalid_response,  // Mem0 sent something that is not an acceptable HTTP response.
};

const char* to_string(upstream_status status);

struct upstream_result {
  upstream_status status = upstream_status::unavailable;
  response_type response;  // Set when status is ok.
  std::string error;       // Human-readable cause when status is not ok.
};

using upstream_handler = std::function<void(upstream_result)>;

struct pool_options {
  upstream_url url;
  std::size_t max_connections = 64;
  std::chrono::milliseconds idle_timeout{4000};
  std::size_t max_body_bytes = 64 * 1024 * 1024;
};

class upstream_connection;

// One request waiting for, or being served by, a connection.
struct upstream_job {
  request_type* request = nullptr;  // Owned by the caller, kept alive by `done`'s captures.
  clock_type::time_point deadline;
  upstream_handler done;
  bool retried = false;
};

class upstream_pool {
 public:
  // `metrics` may be null. The pool must outlive every handler the io_context runs for it: destroy
  // it only after the io_context stopped running.
  upstream_pool(boost::asio::io_context& io, pool_options options, ingress_metrics* metrics);
  ~upstream_pool();

  upstream_pool(const upstream_pool&) = delete;
  upstream_pool& operator=(const upstream_pool&) = delete;

  // Sends `request` (already complete: target, Host and other headers set) and calls `done` once,
  // later, on the pool's thread. `request` must stay valid and unchanged until then.
  void send(request_type& request, clock_type::time_point deadline, upstream_handler done);

  const pool_options& options() const { return options_; }

  // Closes the idle connections and drops the waiting requests without calling their handlers;
  // for shutdown, once the io_context stopped.
  void close();

 private:
  friend class upstream_connection;

  // Called by a connection when its exchange ended. `job` is the finished request.
  void on_finished(const std::shared_ptr<upstream_connection>& connection, bool reusable,
                   upstream_job job, upstream_result result);
  // Called by a connection that failed before any byte of Mem0's response arrived, so that the
  // request is sent again on a fresh connection.
  void on_retry(upstream_job job);

  std::shared_ptr<upstream_connection> take_idle();
  void open_and_start(upstream_job job);
  void start_next_waiting();
  void arm_queue_timer();
  void expire_waiting();
  // Closes the idle connections that are past the idle timeout or closed by Mem0.
  void prune_idle();
  void arm_prune_timer();

  boost::asio::io_context& io_;
  pool_options options_;
  ingress_metrics* metrics_;
  std::size_t open_ = 0;  // Connections open or opening, idle ones included.
  std::vector<std::shared_ptr<upstream_connection>> idle_;  // Most recently used last.
  std::deque<upstream_job> waiting_;
  boost::asio::steady_timer queue_timer_;
  bool queue_timer_armed_ = false;
  boost::asio::steady_timer prune_timer_;
  bool prune_timer_armed_ = false;
};

}  // namespace memgov::ingress::upstream
