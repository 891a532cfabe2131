// One Redis connection of the Redis backend, driven by the backend's event loop.
//
// A batch of checks is sent at once as pipelined script runs, also while replies to earlier
// batches are outstanding, up to the pipeline depth the backend allows. Replies are matched
// to checks in order. A command without a reply in time (see reply_deadline()), or a failed
// read or write, closes the connection and fails the checks waiting on it. While closed it
// reconnects with exponential backoff through the connector. An idle open connection sends
// PING every health interval, and connection 0 sends DBSIZE as often for
// memgov_ratelimit_redis_database_keys.
//
// Only the loop thread uses a connection.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include <zmq.hpp>

#include "log/logger.hpp"
#include "member_source.hpp"
#include "ratelimit_backend.hpp"
#include "redis_connector.hpp"
#include "redis_metrics.hpp"
#include "redis_pipeline.hpp"
#include "redis_url.hpp"
#include "transport/event_loop.hpp"

namespace memgov::ratelimit {

using loop_clock = transport::loop_clock;

// One check waiting for Redis.
struct redis_check {
  std::string rate_key;  // make_rate_key(); the connection adds the key prefix.
  std::uint32_t limit = 1;
  decision_callback done;
  loop_clock::time_point enqueued;
};

// Called for a check Redis did not decide, with the metric cause and a sentence for the
// reply.
using check_failure_handler =
    std::function<void(redis_check&& check, const std::string& cause, const std::string& error)>;

// Exponential backoff with +-20% jitter, so replicas that lost Redis together do not all
// reconnect in the same instant.
class reconnect_backoff {
 public:
  reconnect_backoff(std::chrono::milliseconds initial, std::chrono::milliseconds max);

  void failed(loop_clock::time_point now);
  void succeeded() { delay_ = initial_; }
  loop_clock::time_point next_attempt() const { return next_attempt_; }

 private:
  std::chrono::milliseconds initial_;
  std::chrono::milliseconds max_;
  std::chrono::milliseconds delay_;
  loop_clock::time_point next_attempt_{};
  std::mt19937 random_;
};

struct connection_options {
  int index = 0;  // For logs; connection 0 also samples DBSIZE.
  redis_endpoint endpoint;
  std::chrono::milliseconds timeout{50};
  // Added to the timeout for the longest a command may wait while Redis replies to others.
  std::chrono::milliseconds queue_timeout{250};
  std::chrono::seconds window{60};
  std::size_t checks_per_script = kDefaultChecksPerScript;
  std::string key_prefix;
  std::chrono::milliseconds backoff_initial{100};
  std::chrono::milliseconds backoff_max{5000};
  // An idle open connection sends PING this often.
  std::chrono::milliseconds health_interval{1000};
  // Not owned; outlive the connection.
  member_source* members = nullptr;
  redis_metrics* metrics = nullptr;
  // Open connections of the backend, read from any thread.
  std::atomic<int>* open_count = nullptr;
  // When any connection of the backend last read a reply. Loop thread only.
  loop_clock::time_point* last_reply = nullptr;
  check_failure_handler on_failure;
  // Starts a connection attempt whose result reaches connected() on the loop thread.
  std::function<void()> request_connect;
};

class redis_connection {
 public:
  explicit redis_connection(connection_options options);
  ~redis_connection();
  redis_connection(const redis_connection&) = delete;
  redis_connection& operator=(const redis_connection&) = delete;

  bool is_open() const { return pipeline_ != nullptr; }
  bool is_connecting() const { return connecting_; }
  // Batches sent whose last reply has not arrived.
  std::size_t batches_in_flight() const { return batches_in_flight_; }

  // Encodes `checks` as script runs of up to checks_per_script checks. Only while open; the
  // bytes go out in flush().
  void send(std::vector<redis_check>& checks);

  // Writes what send() and the health checks encoded.
  void flush();

  // Adds the socket while open, for reading, and for writing while output waits.
  void add_poll_item(std::vector<zmq::pollitem_t>& items) const;
  void handle_poll_item(const zmq::pollitem_t& item);

  // Fails commands past their timeout, sends health checks and starts due reconnections.
  // Returns when it needs to run again.
  loop_clock::time_point run_timers(loop_clock::time_point now);

  // Takes the result of the attempt that request_connect started.
  void connected(const std::shared_ptr<connect_result>& result);

  // Closes the socket; checks waiting on it get no callback.
  void close();

  const std::string& last_error() const { return last_error_; }
  // When last_error() happened; the epoch while there was none.
  loop_clock::time_point last_error_at() const { return last_error_at_; }

 private:
  enum class command_kind { checks, ping, dbsize, script_load };

  struct in_flight_command {
    command_kind kind = command_kind::ping;
    std::vector<redis_check> checks;  // For checks: the run's checks, in KEYS order.
    loop_clock::time_point sent;
    std::uint64_t sequence = 0;  // Order of sending on this connection.
    bool resent = false;         // Sent again after NOSCRIPT.
    bool ends_batch = false;     // The last run of a batch.
    loop_clock::time_point batch_sent;
  };

  void send_run(in_flight_command run);
  void send_simple(command_kind kind, std::initializer_list<std::string_view> arguments);
  void handle_reply(reply_ptr reply);
  void handle_run_reply(in_flight_command& run, const redisReply& reply);
  void handle_status_reply(const in_flight_command& command, const redisReply& reply);
  // Closes the connection after a failure and fails every check waiting on it. `count`
  // adds the failure to memgov_ratelimit_redis_errors_total under its cause.
  void lost_link(const redis_error& error, bool count = true);
  // When the oldest command in flight fails the connection: after the timeout without any
  // reply from Redis on any connection, or after the timeout plus the queue timeout in all.
  // A burst that Redis works through keeps replies coming, which is progress, not a stall.
  loop_clock::time_point reply_deadline() const;
  void fail(redis_check&& check, const std::string& cause, const std::string& error);

  connection_options options_;
  std::string window_text_;
  std::int64_t window_us_;
  reconnect_backoff backoff_;
  log::logger logger_;
  std::string index_text_;
  std::unique_ptr<redis_pipeline> pipeline_;
  std::string script_sha_;
  std::deque<in_flight_command> in_flight_;
  std::size_t batches_in_flight_ = 0;
  std::uint64_t next_sequence_ = 1;
  std::uint64_t last_script_load_ = 0;  // Sequence of the last SCRIPT LOAD sent.
  bool connecting_ = false;
  bool ever_connected_ = false;
  // A failure found while replies of one read were handled; the connection closes after it.
  std::optional<redis_error> deferred_error_;
  int attempts_ = 0;  // Connection attempts since the connection was last open.
  std::string last_error_ = "no connection attempt yet";
  loop_clock::time_point last_error_at_{};
  loop_clock::time_point down_since_ = loop_clock::now();
  loop_clock::time_point last_activity_{};
  loop_clock::time_point next_key_sample_{};
  std::vector<script_outcome> outcomes_;  // Scratch space of handle_run_reply().
};

}  // namespace memgov::ratelimit
