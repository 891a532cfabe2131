// One keep-alive connection to Mem0, serving one request at a time for its pool.
#pragma once

#include <memory>
#include <optional>

#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/parser.hpp>

#include "upstream/upstream_pool.hpp"

namespace memgov::ingress::upstream {

class upstream_connection : public std::enable_shared_from_this<upstream_connection> {
 public:
  upstream_connection(upstream_pool& pool, boost::asio::io_context& io);

  // Sends the job's request, connecting first when this connection is new. `reused` is true
  // when the connection served a request before, which allows one retry of an idempotent
  // request that fails before any byte of the response arrived.
  void start(upstream_job job, bool reused);

  // Whether an idle connection can still be used: it was idle for less than the pool's idle
  // timeout and the peer has neither closed it nor sent anything unasked.
  bool usable_after_idle(clock_type::time_point now);

  void mark_idle(clock_type::time_point now) { idle_since_ = now; }

  void close();

 private:
  void on_resolved(boost::beast::error_code error,
                   boost::asio::ip::tcp::resolver::results_type results);
  void on_connected(boost::beast::error_code error);
  void write_request();
  void on_written(boost::beast::error_code error);
  void on_read(boost::beast::error_code error);
  // Ends the exchange with a failure; `before_response` is true when no byte of a response had
  // arrived, so the request may be sent again.
  void fail(boost::beast::error_code error, const char* phase, bool before_response);

  upstream_pool& pool_;
  boost::beast::tcp_stream stream_;
  boost::beast::flat_buffer buffer_;
  std::optional<boost::asio::ip::tcp::resolver> resolver_;
  std::optional<boost::beast::http::response_parser<boost::beast::http::string_body>> parser_;
  std::optional<upstream_job> job_;
  bool connected_ = false;
  bool reused_ = false;
  clock_type::time_point idle_since_{};
};

}  // namespace memgov::ingress::upstream
