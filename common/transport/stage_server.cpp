#include "transport/stage_server.hpp"

#include <unistd.h>

#include <caf/all.hpp>

#include "log/logger.hpp"
#include "transport/endpoint.hpp"
#include "transport/zmq_context.hpp"

namespace memgov::transport {

// State shared between the loop, the stage_server handle and every
// responder. Only the loop thread touches `socket`.
class server_core : public poll_source {
 public:
  explicit server_core(event_loop server_loop) : loop(std::move(server_loop)) {}

  server_options options;
  request_handler handler;
  event_loop loop;
  zmq::socket_t socket{zmq_context(), zmq::socket_type::router};
  std::atomic<bool> stopping{false};
  std::string bound_endpoint;
  int slot = 0;
  log::logger logger{"stage_server"};
  // Set by the constructor, so that responders can hold the core.
  std::weak_ptr<server_core> self;

  // Sends a reply now on the loop thread, or posts it there from another thread.
  void send_or_post(std::string identity, std::string frame);

  void add_poll_items(std::vector<zmq::pollitem_t>& items) override;
  void handle_poll_items(const zmq::pollitem_t* items, std::size_t count) override;
  void on_stop() override { socket.close(); }
};

void responder::send_frame(std::string frame) const {
  if (!core_ || answered_->exchange(true))
    return;
  core_->send_or_post(identity_, std::move(frame));
}

namespace {

void send_reply(server_core& core, const std::string& identity, const std::string& frame) {
  // With ZMQ_ROUTER_MANDATORY a reply to a requester that is gone throws, and one whose
  // queue is full returns no result, instead of vanishing without a trace.
  try {
    auto sent = core.socket.send(zmq::buffer(identity),
                                 zmq::send_flags::sndmore | zmq::send_flags::dontwait);
    if (sent) {
      sent = core.socket.send(zmq::buffer(frame), zmq::send_flags::dontwait);
    }
    if (!sent) {
      core.logger.warning_limited("send-full",
                                  "dropping a reply: the requester's queue is full (ZMQ_SNDHWM)",
                                  {{"stage", core.options.stage}});
    }
  } catch (const zmq::error_t& e) {
    core.logger.warning_limited("send", "dropping a reply that could not be sent",
                                {{"stage", core.options.stage}, {"error", e.what()}});
  }
}

void handle_frame(const std::shared_ptr<server_core>& core, std::string identity,
                  std::string_view frame) {
  protocol::decode_result decoded = protocol::decode(frame);
  if (!decoded.envelope) {
    core->logger.warning_limited("decode", "rejecting a malformed request",
                                 {{"error", decoded.error}});
    // Without a readable correlation id the requester cannot match an answer,
    // so it will time out; correlation 0 still tells a debugging peer why.
    send_reply(
        *core, identity,
        protocol::encode(protocol::message_kind::error, 0, protocol::error_reply{decoded.error}));
    return;
  }
  const protocol::decoded_envelope& request = *decoded.envelope;
  if (request.header().kind == protocol::message_kind::ping) {
    protocol::pong_reply pong;
    pong.stage = core->options.stage;
    pong.instance = core->bound_endpoint + " pid " + std::to_string(::getpid());
    pong.ready = core->options.ready_probe ? core->options.ready_probe() : true;
    send_reply(
        *core, identity,
        protocol::encode(protocol::message_kind::pong, request.header().correlation_id, pong));
    return;
  }
  core->handler(request, responder(core, std::move(identity), request.header().correlation_id));
}

// Reads every message waiting on the socket without blocking.
void drain_socket(const std::shared_ptr<server_core>& core) {
  while (true) {
    zmq::message_t identity;
    auto got = core->socket.recv(identity, zmq::recv_flags::dontwait);
    if (!got)
      return;
    if (!identity.more())
      continue;  // A lone frame has no payload: ignore it.
    zmq::message_t payload;
    if (!core->socket.recv(payload, zmq::recv_flags::dontwait))
      return;
    bool extra = payload.more();
    while (extra) {
      zmq::message_t rest;
      if (!core->socket.recv(rest, zmq::recv_flags::dontwait))
        break;
      extra = rest.more();
    }
    handle_frame(core, identity.to_string(), payload.to_string_view());
  }
}

}  // namespace

void server_core::send_or_post(std::string identity, std::string frame) {
  if (stopping.load())
    return;
  if (loop.on_loop_thread()) {
    send_reply(*this, identity, frame);
    return;
  }
  loop.post([core = self.lock(), identity = std::move(identity), frame = std::move(frame)] {
    if (core && !core->stopping.load())
      send_reply(*core, identity, frame);
  });
}

void server_core::add_poll_items(std::vector<zmq::pollitem_t>& items) {
  if (!stopping.load())
    items.push_back({static_cast<void*>(socket), 0, ZMQ_POLLIN, 0});
}

void server_core::handle_poll_items(const zmq::pollitem_t* items, std::size_t count) {
  if (count == 1 && (items[0].revents & ZMQ_POLLIN))
    drain_socket(self.lock());
}

stage_server::stage_server(caf::actor_system& system, server_options options,
                           request_handler handler)
    : stage_server(event_loop(system, "stage_server"), std::move(options), std::move(handler)) {
  owns_loop_ = true;
  core_->loop.start();
}

stage_server::stage_server(event_loop loop, server_options options, request_handler handler)
    : core_(std::make_shared<server_core>(std::move(loop))) {
  core_->self = core_;
  core_->options = std::move(options);
  core_->handler = std::move(handler);
  core_->socket.set(zmq::sockopt::linger, 0);
  core_->socket.set(zmq::sockopt::router_mandatory, 1);
  core_->socket.set(zmq::sockopt::rcvhwm, 100000);
  core_->socket.set(zmq::sockopt::sndhwm, 100000);

  host_port_range range = parse_tcp_endpoint(core_->options.bind);
  std::string last_error;
  for (int port = range.first_port; port <= range.last_port; ++port) {
    std::string endpoint = "tcp://" + range.host + ":" + std::to_string(port);
    try {
      core_->socket.bind(endpoint);
      core_->bound_endpoint = endpoint;
      core_->slot = port - range.first_port;
      break;
    } catch (const zmq::error_t& e) {
      last_error = e.what();
    }
  }
  if (core_->bound_endpoint.empty()) {
    throw std::runtime_error("no free port to bind in " + core_->options.bind + ": " + last_error);
  }
  core_->loop.add(core_);
}

stage_server::~stage_server() {
  stop();
}

const std::string& stage_server::bound_endpoint() const {
  return core_->bound_endpoint;
}

int stage_server::slot() const {
  return core_->slot;
}

void stage_server::stop() {
  if (!core_->stopping.exchange(true) && owns_loop_) {
    core_->loop.stop();
  }
}

}  // namespace memgov::transport
