#include "redis_connector.hpp"

#include <unistd.h>

#include <caf/all.hpp>

namespace memgov::ratelimit {
namespace {

struct connect_request {
  connect_callback done;
};

using connector_stop_atom = caf::atom_constant<caf::atom("connstop")>;

}  // namespace
}  // namespace memgov::ratelimit

// The request carries a std::function; it never leaves the process.
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(memgov::ratelimit::connect_request)

namespace memgov::ratelimit {

owned_socket::~owned_socket() {
  if (fd_ >= 0) {
    ::close(fd_);
  }
}

owned_socket& owned_socket::operator=(owned_socket&& other) noexcept {
  if (this != &other) {
    if (fd_ >= 0) {
      ::close(fd_);
    }
    fd_ = other.release();
  }
  return *this;
}

redis_connector::redis_connector(caf::actor_system& system, redis_endpoint endpoint,
                                 std::chrono::milliseconds timeout) {
  actor_ = system.spawn<caf::detached>(
      [endpoint = std::move(endpoint), timeout](caf::blocking_actor* self) {
        // The window only fills ARGV[1] of the keyless test run of the script, which reads it
        // without effect.
        redis_link link(endpoint, timeout, std::chrono::microseconds(1));
        bool running = true;
        self->receive_while([&] { return running; })(
            [&](connect_request& request) {
              auto result = std::make_shared<connect_result>();
              result->error = link.connect();
              if (!result->error) {
                result->script_sha = link.script_sha();
                result->socket = owned_socket(link.release_socket());
              }
              request.done(std::move(result));
            },
            [&](connector_stop_atom) { running = false; });
      });
}

redis_connector::~redis_connector() {
  stop();
}

void redis_connector::connect(connect_callback done) {
  caf::anon_send(actor_, connect_request{std::move(done)});
}

void redis_connector::stop() {
  if (actor_) {
    // High priority, so that the stop overtakes queued attempts.
    caf::anon_send<caf::message_priority::high>(actor_, connector_stop_atom::value);
  }
}

}  // namespace memgov::ratelimit
