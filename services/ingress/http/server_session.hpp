// One client connection. It reads requests one after another (keep-alive, pipelined requests in
// order), serves the gateway's own routes and hands Mem0 requests to the governance pipeline.
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <string>

#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>

#include "gateway_context.hpp"
#include "http/responses.hpp"

namespace memgov::ingress::http {

class server_session : public std::enable_shared_from_this<server_session> {
 public:
  // Takes one slot of context.shared->open_connections, which the caller already counted.
  server_session(boost::asio::ip::tcp::socket socket, const worker_context& context);
  ~server_session();

  server_session(const server_session&) = delete;
  server_session& operator=(const server_session&) = delete;

  void start();

  // Writes the response to the request being served, then reads the next request unless the
  // response closes the connection. Must run on the session's io thread.
  void send(response_type response);

 private:
  void wait_for_request();
  void on_first_bytes(boost::beast::error_code error, std::size_t bytes);
  void read_header();
  void on_header(boost::beast::error_code error);
  void read_body();
  void on_body(boost::beast::error_code error);
  void dispatch(request_type request);
  // Audits a request that could not be read or accepted (see rejection_audit.hpp), then sends
  // the error response and closes the connection.
  void reject(boost::beast::http::status status, std::string_view kind, std::string_view reason);
  void on_sent(boost::beast::error_code error, bool close_after);
  // Reads and drops what the client still sends until it closes or the linger time passes.
  void linger();
  void close();

  boost::beast::tcp_stream stream_;
  boost::beast::flat_buffer buffer_;
  std::optional<boost::beast::http::request_parser<boost::beast::http::string_body>> parser_;
  response_type response_;
  const worker_context& context_;
  std::string source_ip_;
  std::chrono::steady_clock::time_point received_at_{};
  bool closed_ = false;
  bool in_flight_ = false;  // Counted in requests_in_flight until the response is written.
};

}  // namespace memgov::ingress::http
