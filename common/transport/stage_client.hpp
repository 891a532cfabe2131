// The requesting side of a stage: one ZeroMQ DEALER socket per peer replica,
// all owned by one detached CAF actor that polls them.
//
// Peers come from an endpoint list (see endpoint.hpp): host names are
// resolved again every few seconds and every port of a range is connected,
// so replicas that start or stop are picked up without a settings change.
// Sockets use ZMQ_IMMEDIATE, so a send to a peer that is not connected fails
// at once instead of queueing; the client then tries the next peer.
//
// A call goes to the connected peer with the fewest calls in flight; peers
// that tie take turns. When no reply arrives within the timeout it is sent
// once more to another peer (if `retries` allows and one is connected); after
// that it completes with call_status::timed_out. A call never waits longer
// than timeout * (retries + 1).
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "protocol/envelope.hpp"

namespace caf {
class actor_system;
}

namespace prometheus {
class Registry;
}

namespace memgov::transport {

enum class call_status {
  ok,           // A reply arrived; see reply.
  unavailable,  // No replica of the stage is connected.
  timed_out,    // No reply within the timeout, retries included.
  failed,       // The peer answered with an error message; see error.
};

const char* to_string(call_status status);

struct call_result {
  call_status status = call_status::failed;
  std::optional<protocol::decoded_envelope> reply;  // Set when status is ok.
  std::string error;                                // Human-readable cause when status is not ok.
  std::string peer;                                 // Endpoint that answered or was tried last.
};

// Runs on the client's socket thread: must be quick and must not block.
using completion = std::function<void(call_result)>;

struct client_options {
  std::string peer_stage;  // Name of the stage called, e.g. "authz"; for logs and metrics.
  std::string endpoints;   // Comma-separated "tcp://host:port[-last]" list.
  std::chrono::milliseconds timeout{300};
  int retries = 1;  // Extra attempts on another peer after a timeout.
  std::chrono::milliseconds ping_interval{500};
  std::chrono::seconds resolve_interval{5};
  // Calls waiting for an answer, at most; more complete as unavailable at once.
  std::size_t max_in_flight = 65536;
};

class client_core;

class stage_client {
 public:
  // Parses the endpoints (throws std::invalid_argument naming the bad one),
  // then starts the socket actor. `registry` may be null.
  stage_client(caf::actor_system& system, client_options options, prometheus::Registry* registry);
  ~stage_client();

  stage_client(const stage_client&) = delete;
  stage_client& operator=(const stage_client&) = delete;

  // Sends a request whose body was packed with protocol::pack_body(). `done`
  // runs exactly once, on the socket thread. Safe from any thread.
  void call(protocol::message_kind kind, std::string packed_body, completion done);

  template <class Body>
  void call(protocol::message_kind kind, const Body& body, completion done) {
    call(kind, protocol::pack_body(body), std::move(done));
  }

  // Peers that answered a ping within the last three ping intervals.
  int reachable_peers() const;

  const std::string& peer_stage() const;

  void stop();

 private:
  std::shared_ptr<client_core> core_;
};

}  // namespace memgov::transport
