// Accepts client connections on one io thread.
//
// Each io thread has its own acceptor bound with SO_REUSEPORT (and SO_REUSEADDR) to the same
// address, so the kernel spreads new connections over the threads, and over other ingress
// processes bound to the same port.
#pragma once

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>

#include "gateway_context.hpp"

namespace memgov::ingress::http {

class listener {
 public:
  // Binds and listens at once; throws boost::system::system_error when the address is taken
  // without SO_REUSEPORT or cannot be bound.
  listener(const worker_context& context, const boost::asio::ip::tcp::endpoint& endpoint);

  // Starts accepting; connections run on the context's io_context.
  void start();

  // Closes the acceptor, so that new connections go to other processes sharing the port. Must
  // run on the io thread.
  void stop();

  boost::asio::ip::tcp::endpoint local_endpoint() const { return acceptor_.local_endpoint(); }

 private:
  void accept();
  void on_accept(boost::system::error_code error, boost::asio::ip::tcp::socket socket);

  const worker_context& context_;
  boost::asio::ip::tcp::acceptor acceptor_;
  boost::asio::steady_timer retry_timer_;
};

}  // namespace memgov::ingress::http
