#include "upstream/upstream_connection.hpp"

#include <sys/socket.h>

#include <cerrno>

#include <boost/asio/error.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/write.hpp>

namespace memgov::ingress::upstream {
namespace beast = boost::beast;
namespace http = boost::beast::http;
namespace net = boost::asio;

namespace {

// Methods that RFC 9110 section 9.2.2 defines as idempotent and that Mem0 routes use: sending
// one of them twice has the effect of sending it once.
bool is_idempotent(http::verb method) {
  return method == http::verb::get || method == http::verb::put || method == http::verb::delete_ ||
         method == http::verb::head;
}

// Whether the HTTP parser rejected what Mem0 sent (as opposed to the connection ending early).
bool is_malformed_response(beast::error_code error) {
  if (error.category() != beast::error_code(http::error::body_limit).category())
    return false;
  return error != http::error::end_of_stream && error != http::error::partial_message;
}

}  // namespace

upstream_connection::upstream_connection(upstream_pool& pool, net::io_context& io)
    : pool_(pool), stream_(io) {}

void upstream_connection::start(upstream_job job, bool reused) {
  job_ = std::move(job);
  reused_ = reused;
  stream_.expires_at(job_->deadline);
  if (connected_) {
    write_request();
    return;
  }
  // TODO: name resolution has no timeout of its own (getaddrinfo runs on asio's resolver
  // thread); a hanging resolver delays the request past its deadline. A resolver cache refreshed
  // in the background would remove it.
  resolver_.emplace(stream_.get_executor());
  const upstream_url& url = pool_.options().url;
  resolver_->async_resolve(
      url.host, url.port,
      [self = shared_from_this()](beast::error_code error,
                                  net::ip::tcp::resolver::results_type results) {
        self->on_resolved(error, std::move(results));
      });
}

void upstream_connection::on_resolved(beast::error_code error,
                                      net::ip::tcp::resolver::results_type results) {
  resolver_.reset();
  if (error) {
    fail(error, "resolving the Mem0 host failed", false);
    return;
  }
  stream_.async_connect(results, [self = shared_from_this()](beast::error_code connect_error,
                                                             const net::ip::tcp::endpoint&) {
    self->on_connected(connect_error);
  });
}

void upstream_connection::on_connected(beast::error_code error) {
  if (error) {
    fail(error, "connecting to Mem0 failed", false);
    return;
  }
  connected_ = true;
  beast::error_code ignored;
  stream_.socket().set_option(net::ip::tcp::no_delay(true), ignored);
  write_request();
}

void upstream_connection::write_request() {
  http::async_write(stream_, *job_->request,
                    [self = shared_from_this()](beast::error_code error, std::size_t) {
                      self->on_written(error);
                    });
}

void upstream_connection::on_written(beast::error_code error) {
  if (error) {
    fail(error, "sending the request to Mem0 failed", true);
    return;
  }
  parser_.emplace();
  parser_->body_limit(pool_.options().max_body_bytes);
  parser_->header_limit(64 * 1024);
  if (job_->request->method() == http::verb::head)
    parser_->skip(true);
  http::async_read(stream_, buffer_, *parser_,
                   [self = shared_from_this()](beast::error_code read_error, std::size_t) {
                     self->on_read(read_error);
                   });
}

void upstream_connection::on_read(beast::error_code error) {
  if (error) {
    bool nothing_received = !parser_->got_some() && buffer_.size() == 0;
    fail(error, "reading the Mem0 response failed", nothing_received);
    return;
  }
  // A body delimited by the end of the connection leaves nothing to reuse, and leftover bytes
  // would be an unsolicited response, so neither connection is reused.
  bool delimited_by_close = parser_->need_eof();
  upstream_result result;
  result.status = upstream_status::ok;
  result.response = parser_->release();
  parser_.reset();
  bool reusable = result.response.keep_alive() && !delimited_by_close && buffer_.size() == 0;
  stream_.expires_never();
  upstream_job job = std::move(*job_);
  job_.reset();
  pool_.on_finished(shared_from_this(), reusable, std::move(job), std::move(result));
}

void upstream_connection::fail(beast::error_code error, const char* phase, bool before_response) {
  close();
  upstream_job job = std::move(*job_);
  job_.reset();
  parser_.reset();
  bool timed_out = error == beast::error::timeout;
  if (!timed_out && reused_ && before_response && !job.retried &&
      is_idempotent(job.request->method())) {
    // The peer most likely closed this idle connection just as the request went out.
    job.retried = true;
    pool_.on_retry(std::move(job));
    return;
  }
  upstream_result result;
  if (timed_out) {
    result.status = upstream_status::timed_out;
    result.error = std::string(phase) + ": no complete response within the upstream timeout";
  } else if (is_malformed_response(error)) {
    result.status = upstream_status::invalid_response;
    result.error = std::string(phase) + ": " + error.message();
  } else {
    result.status = upstream_status::unavailable;
    result.error = std::string(phase) + ": " + error.message();
  }
  pool_.on_finished(shared_from_this(), false, std::move(job), std::move(result));
}

bool upstream_connection::usable_after_idle(clock_type::time_point now) {
  if (!connected_ || now - idle_since_ >= pool_.options().idle_timeout)
    return false;
  // A non-blocking peek shows whether the peer closed the connection (0) or sent unsolicited
  // bytes (> 0). Only "nothing to read yet" means that the connection is still usable.
  char byte = 0;
  ssize_t got = ::recv(stream_.socket().native_handle(), &byte, 1, MSG_PEEK | MSG_DONTWAIT);
  return got < 0 && (errno == EAGAIN || errno == EWOULDBLOCK);
}

void upstream_connection::close() {
  beast::error_code ignored;
  stream_.socket().shutdown(net::ip::tcp::socket::shutdown_both, ignored);
  stream_.close();
  connected_ = false;
}

}  // namespace memgov::ingress::upstream
