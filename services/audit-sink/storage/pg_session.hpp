// The drainer's PostgreSQL connection: connects (running the schema migration, creating the
// staging tables and this month's and next month's partitions), reconnects with exponential
// backoff after a failure, and pings when idle.
//
// Blocking (libpqxx); used only from the detached drainer actor.
#pragma once

#include <chrono>
#include <memory>
#include <string>

#include <pqxx/connection>

#include "log/logger.hpp"

namespace memgov::audit {

class audit_metrics;

struct pg_session_options {
  std::string database_url;
  std::chrono::milliseconds statement_timeout{5000};
  std::chrono::seconds connect_timeout{3};
  std::chrono::milliseconds reconnect_min{100};
  std::chrono::milliseconds reconnect_max{5000};
  std::chrono::milliseconds ping_interval{2000};
};

// Adds connect_timeout, tcp_user_timeout and application_name to a libpq URI or key=value
// string, unless the string already sets them. tcp_user_timeout bounds how long a write to
// an unreachable server can block, which statement_timeout (enforced by the server) cannot.
std::string make_conninfo(const pg_session_options& options);

// Returns the first line of a libpq or libpqxx error message, without trailing spaces. The
// lines after it (DETAIL, CONTEXT) may repeat row contents, which do not belong in
// acknowledgements or warnings.
std::string first_line(const std::string& error);

class pg_session {
 public:
  using clock = std::chrono::steady_clock;

  pg_session(pg_session_options options, audit_metrics& metrics);
  ~pg_session();

  // Returns the open connection, first connecting when there is none and the backoff delay
  // has passed. Returns nullptr when the database is unavailable; see last_error().
  pqxx::connection* connection();

  // Drops the connection after `error`, and schedules the next attempt after the backoff.
  void mark_failed(const std::string& error);

  // Records a successful statement, which postpones the next ping.
  void mark_succeeded();

  // Pings an idle open connection, or reconnects when the backoff delay has passed.
  void maintain();

  // Time until maintain() has work to do; zero when it has work now.
  clock::duration time_to_maintenance() const;

  // Whether a connection is open. Every failure drops the connection, so this is false after
  // a failed statement, ping or connection attempt until a reconnect succeeds.
  bool healthy() const { return connection_ != nullptr; }

  const std::string& last_error() const { return last_error_; }

 private:
  void connect();

  pg_session_options options_;
  std::string conninfo_;
  audit_metrics& metrics_;
  log::logger logger_{"pg_session"};
  std::unique_ptr<pqxx::connection> connection_;
  std::string last_error_ = "not connected yet";
  clock::time_point next_attempt_{};
  clock::time_point last_success_{};
  std::chrono::milliseconds backoff_;
  bool ever_connected_ = false;
};

}  // namespace memgov::audit
