// A stand-in for the Mem0 server in unit tests: a blocking Beast server on a loopback port that
// records every request and replies with a configurable response.
#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>

namespace memgov::ingress::testing {

using test_request = boost::beast::http::request<boost::beast::http::string_body>;
using test_response = boost::beast::http::response<boost::beast::http::string_body>;

class fake_mem0 {
 public:
  using responder = std::function<test_response(const test_request&)>;

  fake_mem0();
  ~fake_mem0();

  int port() const { return port_; }

  // Replaces the function that builds responses; the default returns 200 {"results":[]}.
  void set_responder(responder answer);
  // Delays every response by `delay`.
  void set_delay(std::chrono::milliseconds delay);
  // Makes the next `count` requests close the connection without any answer.
  void drop_next(int count);

  std::vector<test_request> requests() const;
  std::size_t request_count() const;
  // Connections accepted so far.
  int connections() const { return connections_.load(); }

 private:
  void accept_loop();
  void serve(std::shared_ptr<boost::asio::ip::tcp::socket> socket);

  boost::asio::io_context io_;
  boost::asio::ip::tcp::acceptor acceptor_;
  int port_ = 0;
  std::atomic<bool> stopping_{false};
  std::atomic<int> connections_{0};
  mutable std::mutex mutex_;
  responder responder_;
  std::chrono::milliseconds delay_{0};
  int drop_ = 0;
  std::vector<test_request> requests_;
  // Kept open until destruction, so that a descriptor is never reused while the destructor
  // shuts the sockets down.
  std::vector<std::shared_ptr<boost::asio::ip::tcp::socket>> sockets_;
  std::thread acceptor_thread_;
  std::vector<std::thread> connection_threads_;
};

}  // namespace memgov::ingress::testing
