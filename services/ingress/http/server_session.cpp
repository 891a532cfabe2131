#include "http/server_session.hpp"

#include <boost/asio/write.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/core/string.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/write.hpp>

#include "http/gateway_routes.hpp"
#include "http/rejection_audit.hpp"
#include "http/request_id.hpp"
#include "log/logger.hpp"
#include "pipeline/mem0_exchange.hpp"
#include "request/identifier.hpp"

namespace memgov::ingress::http {
namespace beast = boost::beast;
namespace beast_http = boost::beast::http;
namespace net = boost::asio;

namespace {

// Returns the size of the request line and header fields as sent, line ends included, give or
// take optional whitespace. Beast's header_limit (Boost 1.74) let blocks of about 20 KB through
// a 16 KiB limit in test_http_framing.py, so the parsed block is measured again.
std::size_t header_block_bytes(const beast_http::request_header<>& header) {
  std::size_t bytes = header.method_string().size() + 1 + header.target().size() + 1 + 10;
  for (const auto& field : header) {
    bytes += field.name_string().size() + 2 + field.value().size() + 2;
  }
  return bytes + 2;
}

const log::logger& session_logger() {
  static const log::logger logger("http");
  return logger;
}

// Bytes read at once while waiting for the next request of a keep-alive connection.
constexpr std::size_t kFirstReadBytes = 8192;
// Buffer capacity an idle connection keeps at most.
constexpr std::size_t kIdleBufferBytes = 16 * 1024;
// Time the connection stays open after a rejection, so that the client reads the response
// before the close of a socket with unread data resets it.
constexpr std::chrono::seconds kLingerTime{2};

constexpr std::string_view kContinueResponse = "HTTP/1.1 100 Continue\r\n\r\n";

bool is_parse_error(beast::error_code error) {
  return error.category() == beast::error_code(beast_http::error::bad_method).category() &&
         error != beast_http::error::end_of_stream && error != beast_http::error::partial_message;
}

beast::string_view trimmed(beast::string_view value) {
  beast::string_view text = value;
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t'))
    text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t'))
    text.remove_suffix(1);
  return text;
}

}  // namespace

server_session::server_session(net::ip::tcp::socket socket, const worker_context& context)
    : stream_(std::move(socket)), context_(context) {
  beast::error_code error;
  auto remote = stream_.socket().remote_endpoint(error);
  if (!error)
    source_ip_ = remote.address().to_string();
  stream_.socket().set_option(net::ip::tcp::no_delay(true), error);
  context_.shared->metrics->open_connections().Increment();
}

server_session::~server_session() {
  if (in_flight_)
    context_.shared->requests_in_flight->fetch_sub(1);
  context_.shared->metrics->open_connections().Decrement();
  context_.shared->open_connections->fetch_sub(1);
}

void server_session::start() {
  wait_for_request();
}

void server_session::wait_for_request() {
  if (buffer_.size() > 0) {
    read_header();  // A pipelined request is already buffered.
    return;
  }
  // A large body may have grown the buffer; an idle connection should not keep that memory.
  if (buffer_.capacity() > kIdleBufferBytes)
    buffer_.shrink_to_fit();
  stream_.expires_after(context_.shared->settings->idle_timeout);
  stream_.async_read_some(buffer_.prepare(kFirstReadBytes),
                          [self = shared_from_this()](beast::error_code error, std::size_t bytes) {
                            self->on_first_bytes(error, bytes);
                          });
}

void server_session::on_first_bytes(beast::error_code error, std::size_t bytes) {
  if (error) {
    close();  // Idle timeout, or the client closed the connection between requests.
    return;
  }
  buffer_.commit(bytes);
  read_header();
}

void server_session::read_header() {
  const ingress_settings& settings = *context_.shared->settings;
  parser_.emplace();
  parser_->header_limit(static_cast<std::uint32_t>(settings.max_header_bytes));
  parser_->body_limit(settings.max_body_bytes);
  stream_.expires_after(settings.client_timeout);
  beast_http::async_read_header(stream_, buffer_, *parser_,
                                [self = shared_from_this()](beast::error_code error, std::size_t) {
                                  self->on_header(error);
                                });
}

void server_session::on_header(beast::error_code error) {
  received_at_ = std::chrono::steady_clock::now();
  if (error == beast_http::error::header_limit) {
    reject(beast_http::status::request_header_fields_too_large, "header_too_large",
           "the request header block is larger than " +
               std::to_string(context_.shared->settings->max_header_bytes) + " bytes");
    return;
  }
  if (error == beast_http::error::body_limit) {
    reject(beast_http::status::payload_too_large, "body_too_large",
           "the request body is larger than " +
               std::to_string(context_.shared->settings->max_body_bytes) + " bytes");
    return;
  }
  if (is_parse_error(error)) {
    reject(beast_http::status::bad_request, "bad_request",
           "the request is not valid HTTP/1.1: " + error.message());
    return;
  }
  if (error) {
    close();  // Closed, reset or timed out part-way, so no response can be sent.
    return;
  }

  const auto& request = parser_->get();
  if (header_block_bytes(request.base()) > context_.shared->settings->max_header_bytes) {
    reject(beast_http::status::request_header_fields_too_large, "header_too_large",
           "the request header block is larger than " +
               std::to_string(context_.shared->settings->max_header_bytes) + " bytes");
    return;
  }
  // Beast rejects some mixes of the two framing headers but accepts others (a Content-Length
  // after a Transfer-Encoding that is not chunked), and treats a request whose only coding is not
  // chunked as having no body. Either would let a proxy before or after the gateway frame the
  // request differently, so both are rejected here.
  std::size_t transfer_encodings = request.count(beast_http::field::transfer_encoding);
  if (transfer_encodings > 0 && request.count(beast_http::field::content_length) > 0) {
    reject(beast_http::status::bad_request, "bad_request",
           "the request has both Content-Length and Transfer-Encoding");
    return;
  }
  if (transfer_encodings > 1 ||
      (transfer_encodings == 1 &&
       !beast::iequals(trimmed(request[beast_http::field::transfer_encoding]), "chunked"))) {
    reject(beast_http::status::bad_request, "bad_request",
           "the only Transfer-Encoding accepted is chunked");
    return;
  }

  auto expect = request.find(beast_http::field::expect);
  if (expect != request.end()) {
    if (!beast::iequals(trimmed(expect->value()), "100-continue")) {
      reject(beast_http::status::expectation_failed, "expectation_failed",
             "the only expectation supported is 100-continue");
      return;
    }
    if (!parser_->is_done()) {
      net::async_write(stream_, net::buffer(kContinueResponse.data(), kContinueResponse.size()),
                       [self = shared_from_this()](beast::error_code write_error, std::size_t) {
                         if (write_error) {
                           self->close();
                           return;
                         }
                         self->read_body();
                       });
      return;
    }
  }
  read_body();
}

void server_session::read_body() {
  if (parser_->is_done()) {
    on_body({});
    return;
  }
  beast_http::async_read(
      stream_, buffer_, *parser_,
      [self = shared_from_this()](beast::error_code error, std::size_t) { self->on_body(error); });
}

void server_session::on_body(beast::error_code error) {
  if (error == beast_http::error::body_limit) {
    reject(beast_http::status::payload_too_large, "body_too_large",
           "the request body is larger than " +
               std::to_string(context_.shared->settings->max_body_bytes) + " bytes");
    return;
  }
  if (is_parse_error(error)) {
    reject(beast_http::status::bad_request, "bad_request",
           "the request body is not valid HTTP/1.1 framing: " + error.message());
    return;
  }
  if (error) {
    close();
    return;
  }
  request_type request = parser_->release();
  parser_.reset();
  stream_.expires_never();  // The pipeline bounds its own time; the write sets a new deadline.
  dispatch(std::move(request));
}

void server_session::dispatch(request_type request) {
  in_flight_ = true;
  context_.shared->requests_in_flight->fetch_add(1);
  auto client_id = request.find("X-Request-Id");
  std::string request_id =
      choose_request_id(client_id == request.end() ? std::string_view()
                                                   : std::string_view(client_id->value().data(),
                                                                      client_id->value().size()));

  std::string_view target(request.target().data(), request.target().size());
  if (auto route = gateway_route(target)) {
    response_type response = answer_gateway_route(*route, request, *context_.shared, request_id);
    double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - received_at_).count();
    context_.shared->metrics->record_request(*route, "none", "none", response.result_int(),
                                             seconds);
    session_logger().debug("request completed",
                           {{"request_id", request_id},
                            {"route", *route},
                            {"status", std::to_string(response.result_int())}});
    send(std::move(response));
    return;
  }

  auto exchange = std::make_shared<pipeline::mem0_exchange>(
      context_, std::move(request), std::move(request_id), source_ip_, received_at_,
      [self = shared_from_this()](response_type response) { self->send(std::move(response)); });
  exchange->start();
}

void server_session::reject(beast_http::status status, std::string_view kind,
                            std::string_view reason) {
  std::string request_id;
  if (parser_ && parser_->is_header_done()) {
    auto client_id = parser_->get().find("X-Request-Id");
    if (client_id != parser_->get().end())
      request_id = choose_request_id({client_id->value().data(), client_id->value().size()});
  }
  if (request_id.empty())
    request_id = generate_uuid_v4();
  int status_code = static_cast<int>(status);
  double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - received_at_).count();
  context_.shared->metrics->record_http_error(kind);
  context_.shared->metrics->record_request("unparsed", "none", "invalid_request", status_code,
                                           seconds);
  rejected_request rejected;
  std::vector<request::header_field> fields;
  if (parser_ && parser_->is_header_done()) {
    const auto& header = parser_->get();
    rejected.method = std::string(header.method_string());
    std::string_view target(header.target().data(), header.target().size());
    rejected.path = request::excerpt_for_reason(target.substr(0, target.find('?')));
    for (const auto& field : header) {
      fields.push_back({{field.name_string().data(), field.name_string().size()},
                        {field.value().data(), field.value().size()}});
    }
  }
  session_logger().info("request completed", {{"request_id", request_id},
                                              {"source_ip", source_ip_},
                                              {"method", rejected.method},
                                              {"path", rejected.path},
                                              {"status", std::to_string(status_code)},
                                              {"decision", "invalid_request"},
                                              {"reason", reason}});

  rejected.request_id = request_id;
  rejected.reason = std::string(reason);
  rejected.status_code = status_code;
  rejected.source_ip = source_ip_;
  rejected.latency_ms = seconds * 1000.0;
  rejected.received_unix_us = std::chrono::duration_cast<std::chrono::microseconds>(
                                  std::chrono::system_clock::now().time_since_epoch())
                                  .count() -
                              static_cast<std::int64_t>(seconds * 1e6);
  auto response =
      std::make_shared<response_type>(error_response(status, kind, reason, request_id, 11, false));
  // The headers are read here, before the parser and the buffer they point into are released.
  audit_rejection(context_, rejected, fields,
                  [self = shared_from_this(), response] { self->send(std::move(*response)); });
  parser_.reset();
}

void server_session::send(response_type response) {
  bool close_after = !response.keep_alive();
  response_ = std::move(response);
  stream_.expires_after(context_.shared->settings->client_timeout);
  beast_http::async_write(
      stream_, response_,
      [self = shared_from_this(), close_after](beast::error_code error, std::size_t) {
        self->on_sent(error, close_after);
      });
}

void server_session::on_sent(beast::error_code error, bool close_after) {
  response_ = {};
  if (in_flight_) {
    in_flight_ = false;
    context_.shared->requests_in_flight->fetch_sub(1);
  }
  if (error) {
    close();
    return;
  }
  if (close_after) {
    // Half-close, then linger: closing a socket whose receive queue still contains unread bytes
    // (the rest of a rejected body) sends a reset that can destroy the response in flight.
    beast::error_code ignored;
    stream_.socket().shutdown(net::ip::tcp::socket::shutdown_send, ignored);
    stream_.expires_after(kLingerTime);
    linger();
    return;
  }
  wait_for_request();
}

void server_session::linger() {
  buffer_.clear();
  stream_.async_read_some(buffer_.prepare(kFirstReadBytes),
                          [self = shared_from_this()](beast::error_code error, std::size_t) {
                            if (error) {
                              self->close();
                              return;
                            }
                            self->linger();
                          });
}

void server_session::close() {
  if (closed_)
    return;
  closed_ = true;
  beast::error_code ignored;
  stream_.socket().shutdown(net::ip::tcp::socket::shutdown_both, ignored);
  stream_.close();
}

}  // namespace memgov::ingress::http
