// Opens Redis connections away from the event loop. Resolving the host name, connecting,
// AUTH, SELECT and SCRIPT LOAD block, so one detached CAF actor does them with redis_link
// and hands the connected socket, with the script loaded, to the loop.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include <caf/actor.hpp>

#include "redis_link.hpp"
#include "redis_url.hpp"

namespace caf {
class actor_system;
}

namespace memgov::ratelimit {

// A socket descriptor that is closed on destruction unless released.
class owned_socket {
 public:
  explicit owned_socket(int fd = -1) : fd_(fd) {}
  ~owned_socket();
  owned_socket(owned_socket&& other) noexcept : fd_(other.release()) {}
  owned_socket& operator=(owned_socket&& other) noexcept;

  int release() {
    int fd = fd_;
    fd_ = -1;
    return fd;
  }

 private:
  int fd_;
};

// The outcome of one connection attempt.
struct connect_result {
  owned_socket socket;  // Connected, script loaded; set when `error` is not.
  std::string script_sha;
  std::optional<redis_error> error;
};

// Receives the result on the connector's thread. Shared, so that a callback that posts it to
// a loop which has stopped still closes the socket.
using connect_callback = std::function<void(std::shared_ptr<connect_result>)>;

class redis_connector {
 public:
  // `timeout` bounds each blocking step of an attempt.
  redis_connector(caf::actor_system& system, redis_endpoint endpoint,
                  std::chrono::milliseconds timeout);
  ~redis_connector();
  redis_connector(const redis_connector&) = delete;
  redis_connector& operator=(const redis_connector&) = delete;

  // Starts an attempt; `done` runs once, on the connector's thread, unless stop() comes first.
  // Attempts run one after another. Safe from any thread.
  void connect(connect_callback done);

  // Ends the actor after the attempt in progress; queued attempts are dropped.
  void stop();

 private:
  caf::actor actor_;
};

}  // namespace memgov::ratelimit
