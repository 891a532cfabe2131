// The serving side of a stage: one ZeroMQ ROUTER socket, polled by an event
// loop (one detached CAF actor) of its own or shared with other sources.
//
// The server binds the first free port of its configured range, so several
// replicas on one host start with the same settings. It answers pings itself
// and hands every other request to the handler, on the loop thread. The
// handler must not block: it queues the work on a source of the same loop or
// passes it to another actor, and replies later through the responder, from
// any thread. A reply from the loop thread is sent at once; one from another
// thread is posted to the loop.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "protocol/envelope.hpp"
#include "transport/event_loop.hpp"

namespace caf {
class actor_system;
}

namespace memgov::transport {

class server_core;

// Answers one request. Copyable; reply() may be called from any thread, at
// most once per request (later calls are ignored).
class responder {
 public:
  responder() = default;
  responder(std::shared_ptr<server_core> core, std::string identity, std::uint64_t correlation_id)
      : core_(std::move(core)),
        identity_(std::move(identity)),
        correlation_id_(correlation_id),
        answered_(std::make_shared<std::atomic<bool>>(false)) {}

  template <class Body>
  void reply(protocol::message_kind kind, const Body& body) const {
    send_frame(protocol::encode(kind, correlation_id_, body));
  }

  void reply_error(const std::string& reason) const {
    reply(protocol::message_kind::error, protocol::error_reply{reason});
  }

 private:
  void send_frame(std::string frame) const;

  std::shared_ptr<server_core> core_;
  std::string identity_;
  std::uint64_t correlation_id_ = 0;
  std::shared_ptr<std::atomic<bool>> answered_;
};

using request_handler =
    std::function<void(const protocol::decoded_envelope& request, responder answer)>;

struct server_options {
  std::string stage;  // This stage's name, reported in pongs and logs.
  std::string bind;   // "tcp://host:first-last"; host may be "*".
  // Reports whether this replica's dependencies answer; sent in pongs.
  // Called on the socket thread, so it must be cheap (read an atomic).
  std::function<bool()> ready_probe;
};

class stage_server {
 public:
  // Binds and starts polling on a loop of its own. Throws std::runtime_error
  // when no port of the range is free.
  stage_server(caf::actor_system& system, server_options options, request_handler handler);

  // Binds and adds the socket to `loop`, which must not be started yet; the
  // caller starts and stops it.
  stage_server(event_loop loop, server_options options, request_handler handler);
  ~stage_server();

  stage_server(const stage_server&) = delete;
  stage_server& operator=(const stage_server&) = delete;

  // Endpoint actually bound, e.g. "tcp://127.0.0.1:7101".
  const std::string& bound_endpoint() const;

  // Index of the bound port within the range (0 for the first port); lets a
  // replica pick matching ports for its other listeners.
  int slot() const;

  // Stops reading requests and drops replies not yet sent; requests in
  // flight get no reply. A loop of its own stops too and closes the socket;
  // on a shared loop the socket is closed when that loop stops.
  void stop();

 private:
  std::shared_ptr<server_core> core_;
  bool owns_loop_ = false;
};

}  // namespace memgov::transport
