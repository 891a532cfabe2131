#include "fake_mem0.hpp"

#include <sys/socket.h>

#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/write.hpp>

namespace memgov::ingress::testing {
namespace net = boost::asio;
namespace http = boost::beast::http;

fake_mem0::fake_mem0() : acceptor_(io_) {
  net::ip::tcp::endpoint endpoint(net::ip::make_address("127.0.0.1"), 0);
  acceptor_.open(endpoint.protocol());
  acceptor_.set_option(net::socket_base::reuse_address(true));
  acceptor_.bind(endpoint);
  acceptor_.listen();
  port_ = acceptor_.local_endpoint().port();
  responder_ = [](const test_request&) {
    test_response response(http::status::ok, 11);
    response.set(http::field::content_type, "application/json");
    response.body() = "{\"results\":[]}";
    return response;
  };
  acceptor_thread_ = std::thread([this] { accept_loop(); });
}

fake_mem0::~fake_mem0() {
  stopping_ = true;
  ::shutdown(acceptor_.native_handle(), SHUT_RDWR);
  acceptor_thread_.join();
  {
    std::lock_guard<std::mutex> lock(mutex_);
    for (auto& socket : sockets_) {
      boost::system::error_code ignored;
      socket->shutdown(net::ip::tcp::socket::shutdown_both, ignored);
    }
  }
  for (auto& thread : connection_threads_)
    thread.join();
}

void fake_mem0::set_responder(responder answer) {
  std::lock_guard<std::mutex> lock(mutex_);
  responder_ = std::move(answer);
}

void fake_mem0::set_delay(std::chrono::milliseconds delay) {
  std::lock_guard<std::mutex> lock(mutex_);
  delay_ = delay;
}

void fake_mem0::drop_next(int count) {
  std::lock_guard<std::mutex> lock(mutex_);
  drop_ = count;
}

std::vector<test_request> fake_mem0::requests() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return requests_;
}

std::size_t fake_mem0::request_count() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return requests_.size();
}

void fake_mem0::accept_loop() {
  while (!stopping_) {
    boost::system::error_code error;
    auto socket = std::make_shared<net::ip::tcp::socket>(io_);
    acceptor_.accept(*socket, error);
    if (error || stopping_)
      return;
    ++connections_;
    std::lock_guard<std::mutex> lock(mutex_);
    sockets_.push_back(socket);
    connection_threads_.emplace_back([this, socket] { serve(socket); });
  }
}

void fake_mem0::serve(std::shared_ptr<net::ip::tcp::socket> shared_socket) {
  net::ip::tcp::socket& socket = *shared_socket;
  boost::beast::flat_buffer buffer;
  boost::system::error_code ignored;
  for (;;) {
    test_request request;
    boost::system::error_code error;
    http::read(socket, buffer, request, error);
    if (error) {
      socket.shutdown(net::ip::tcp::socket::shutdown_both, ignored);
      return;
    }
    responder answer;
    std::chrono::milliseconds delay{0};
    bool drop = false;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      requests_.push_back(request);
      answer = responder_;
      delay = delay_;
      if (drop_ > 0) {
        --drop_;
        drop = true;
      }
    }
    if (drop) {
      socket.shutdown(net::ip::tcp::socket::shutdown_both, ignored);
      return;
    }
    if (delay.count() > 0)
      std::this_thread::sleep_for(delay);
    test_response response = answer(request);
    response.prepare_payload();
    http::write(socket, response, error);
    if (error || !response.keep_alive()) {
      socket.shutdown(net::ip::tcp::socket::shutdown_both, ignored);
      return;
    }
  }
}

}  // namespace memgov::ingress::testing
