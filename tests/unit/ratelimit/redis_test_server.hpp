// A real redis-server for tests: started on a free loopback port without persistence, and
// stopped (or killed) by the test.
#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

#include "redis_url.hpp"

namespace memgov::ratelimit::testing {

class redis_test_server {
 public:
  redis_test_server() = default;
  ~redis_test_server();
  redis_test_server(const redis_test_server&) = delete;
  redis_test_server& operator=(const redis_test_server&) = delete;

  // Returns the path of redis-server found on PATH, or "" when it is not installed.
  static std::string find_binary();

  // Starts the server on `port` (0 picks a free one) with `extra_args` appended to the
  // command line, and waits until it replies to PING. Returns false with `error` set when it
  // does not start within 10 s.
  bool start(int port = 0, const std::vector<std::string>& extra_args = {});

  // SIGTERM, then SIGKILL after 5 s; waits for the exit. Safe to call when not running.
  void stop();

  int port() const { return port_; }
  redis_endpoint endpoint() const;
  std::string url() const { return "redis://127.0.0.1:" + std::to_string(port_) + "/0"; }
  const std::string& error() const { return error_; }

 private:
  bool answers_ping() const;

  pid_t pid_ = -1;
  int port_ = 0;
  std::vector<std::string> extra_args_;
  std::string error_;
};

// Returns a loopback TCP port that was free a moment ago.
int free_loopback_port();

}  // namespace memgov::ratelimit::testing
