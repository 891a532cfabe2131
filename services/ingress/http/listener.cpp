#include "http/listener.hpp"

#include <sys/socket.h>

#include <boost/asio/detail/socket_option.hpp>
#include <boost/asio/socket_base.hpp>

#include "http/server_session.hpp"
#include "log/logger.hpp"

namespace memgov::ingress::http {
namespace net = boost::asio;

namespace {

using reuse_port = net::detail::socket_option::boolean<SOL_SOCKET, SO_REUSEPORT>;

// Pause after an accept error such as EMFILE, so that a full descriptor table does not turn the
// accept loop into a busy loop.
constexpr std::chrono::milliseconds kAcceptRetryDelay{50};

const log::logger& listener_logger() {
  static const log::logger logger("http");
  return logger;
}

}  // namespace

listener::listener(const worker_context& context, const net::ip::tcp::endpoint& endpoint)
    : context_(context), acceptor_(*context.io), retry_timer_(*context.io) {
  acceptor_.open(endpoint.protocol());
  acceptor_.set_option(net::socket_base::reuse_address(true));
  acceptor_.set_option(reuse_port(true));
  acceptor_.bind(endpoint);
  acceptor_.listen(net::socket_base::max_listen_connections);
}

void listener::start() {
  accept();
}

void listener::stop() {
  boost::system::error_code ignored;
  acceptor_.close(ignored);
  retry_timer_.cancel();
}

void listener::accept() {
  acceptor_.async_accept(*context_.io,
                         [this](boost::system::error_code error, net::ip::tcp::socket socket) {
                           on_accept(error, std::move(socket));
                         });
}

void listener::on_accept(boost::system::error_code error, net::ip::tcp::socket socket) {
  if (error == net::error::operation_aborted)
    return;
  if (error) {
    listener_logger().warning_limited("accept", "accepting a connection failed",
                                      {{"error", error.message()}});
    retry_timer_.expires_after(kAcceptRetryDelay);
    retry_timer_.async_wait([this](boost::system::error_code wait_error) {
      if (!wait_error)
        accept();
    });
    return;
  }
  const gateway_context& shared = *context_.shared;
  int open = shared.open_connections->fetch_add(1) + 1;
  if (open > shared.settings->max_connections) {
    shared.open_connections->fetch_sub(1);
    shared.metrics->rejected_connections().Increment();
    listener_logger().warning_limited(
        "max_connections", "connection closed: max_connections reached",
        {{"max_connections", std::to_string(shared.settings->max_connections)}});
    boost::system::error_code ignored;
    socket.close(ignored);
  } else {
    std::make_shared<server_session>(std::move(socket), context_)->start();
  }
  accept();
}

}  // namespace memgov::ingress::http
