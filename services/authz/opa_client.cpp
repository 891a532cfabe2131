#include "opa_client.hpp"

#include <deque>
#include <mutex>
#include <optional>
#include <thread>
#include <unordered_set>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include "authz_metrics.hpp"

namespace memgov::authz {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
using clock_type = std::chrono::steady_clock;

// Largest response body accepted from OPA; a decision document is a few
// hundred bytes.
constexpr std::uint64_t kMaxResponseBytes = 1 << 20;

struct connection {
  explicit connection(asio::io_context& io) : stream(io) {}
  beast::tcp_stream stream;
  beast::flat_buffer buffer;
  bool reused = false;  // Has carried a request before.
};

struct pending_call {
  pending_call(asio::io_context& io) : timer(io) {}
  std::string body;
  std::string action;
  opa_client::completion done;
  clock_type::time_point started;
  clock_type::time_point deadline;
  asio::steady_timer timer;
  http::request<http::string_body> request;
  std::optional<http::response_parser<http::string_body>> parser;
  bool finished = false;
  bool retried = false;
};

bool is_stale_connection_error(const beast::error_code& error) {
  return error == http::error::end_of_stream || error == asio::error::eof ||
         error == asio::error::connection_reset || error == asio::error::broken_pipe ||
         error == asio::error::connection_aborted;
}

}  // namespace

class opa_client::impl : public std::enable_shared_from_this<impl> {
 public:
  impl(opa_client_options options, authz_metrics* metrics, std::atomic<bool>* ready)
      : options_(std::move(options)),
        metrics_(metrics),
        ready_(ready),
        work_(asio::make_work_guard(io_)),
        resolver_(io_) {
    target_ = options_.url.prefix + options_.decision_path;
    host_header_ = options_.url.host + ":" + options_.url.port;
  }

  void start() {
    thread_ = std::thread([this] { io_.run(); });
  }

  void evaluate(std::string body, std::string action, completion done) {
    auto call = std::make_shared<pending_call>(io_);
    call->body = std::move(body);
    call->action = std::move(action);
    call->done = std::move(done);
    call->started = clock_type::now();
    call->deadline = call->started + options_.timeout;
    {
      // Posting under the lock orders every call before the shut-down
      // handler, so none is left unanswered in a stopped io_context.
      std::lock_guard<std::mutex> lock(post_mutex_);
      if (!stopped_) {
        asio::post(io_, [self = shared_from_this(), call] { self->begin(call); });
        return;
      }
    }
    call->done(engine_failure("stopping", "the authz stage is stopping"));
  }

  void stop() {
    {
      std::lock_guard<std::mutex> lock(post_mutex_);
      if (stopped_)
        return;
      stopped_ = true;
      asio::post(io_, [self = shared_from_this()] { self->shut_down(); });
    }
    work_.reset();
    if (thread_.joinable())
      thread_.join();
  }

 private:
  void begin(const std::shared_ptr<pending_call>& call) {
    if (stopping_) {
      fail(call, "stopping", "the authz stage is stopping");
      return;
    }
    active_.insert(call);
    call->timer.expires_at(call->deadline);
    call->timer.async_wait([self = shared_from_this(), call](const beast::error_code& error) {
      if (!error)
        self->fail(call, "timeout", self->timeout_text());
    });
    dispatch(call);
  }

  void dispatch(const std::shared_ptr<pending_call>& call) {
    if (!idle_.empty()) {
      std::shared_ptr<connection> conn = idle_.back();
      idle_.pop_back();
      send(conn, call);
    } else if (open_ < options_.max_connections) {
      connect(call);
    } else {
      waiting_.push_back(call);
    }
  }

  void connect(const std::shared_ptr<pending_call>& call) {
    auto conn = std::make_shared<connection>(io_);
    ++open_;
    all_.insert(conn);
    resolver_.async_resolve(
        options_.url.host, options_.url.port,
        [self = shared_from_this(), conn, call](const beast::error_code& error,
                                                tcp::resolver::results_type results) {
          if (error) {
            self->on_connection_error(conn, call, error, "resolving " + self->options_.url.host);
            return;
          }
          conn->stream.expires_at(call->deadline);
          conn->stream.async_connect(results, [self, conn, call](const beast::error_code& error,
                                                                 const tcp::endpoint&) {
            if (error) {
              self->on_connection_error(conn, call, error, "connecting to " + self->host_header_);
              return;
            }
            self->send(conn, call);
          });
        });
  }

  void send(const std::shared_ptr<connection>& conn, const std::shared_ptr<pending_call>& call) {
    if (call->finished) {
      release(conn);
      return;
    }
    bool reused = conn->reused;
    call->request = http::request<http::string_body>(http::verb::post, target_, 11);
    call->request.set(http::field::host, host_header_);
    call->request.set(http::field::user_agent, "memgov-authz");
    call->request.set(http::field::content_type, "application/json");
    call->request.keep_alive(true);
    call->request.body() = call->body;
    call->request.prepare_payload();
    conn->stream.expires_at(call->deadline);
    http::async_write(conn->stream, call->request,
                      [self = shared_from_this(), conn, call, reused](
                          const beast::error_code& error, std::size_t) {
                        if (error) {
                          self->on_exchange_error(conn, call, error, reused, "sending to OPA");
                          return;
                        }
                        self->read(conn, call, reused);
                      });
  }

  void read(const std::shared_ptr<connection>& conn, const std::shared_ptr<pending_call>& call,
            bool reused) {
    call->parser.emplace();
    call->parser->body_limit(kMaxResponseBytes);
    http::async_read(conn->stream, conn->buffer, *call->parser,
                     [self = shared_from_this(), conn, call, reused](const beast::error_code& error,
                                                                     std::size_t) {
                       if (error) {
                         self->on_exchange_error(conn, call, error, reused, "reading from OPA");
                         return;
                       }
                       http::response<http::string_body> response = call->parser->release();
                       if (response.keep_alive()) {
                         self->release(conn);
                       } else {
                         self->close(conn);
                       }
                       self->complete(call, response.result_int(), response.body());
                     });
  }

  void on_connection_error(const std::shared_ptr<connection>& conn,
                           const std::shared_ptr<pending_call>& call,
                           const beast::error_code& error, const std::string& what) {
    close(conn);
    if (error == beast::error::timeout) {
      fail(call, "timeout", timeout_text());
    } else {
      fail(call, "connect", what + " failed: " + error.message());
    }
  }

  void on_exchange_error(const std::shared_ptr<connection>& conn,
                         const std::shared_ptr<pending_call>& call, const beast::error_code& error,
                         bool reused, const std::string& what) {
    close(conn);
    if (call->finished)
      return;
    if (reused && !call->retried && is_stale_connection_error(error) &&
        clock_type::now() < call->deadline) {
      // The server closed an idle keep-alive connection; try a new one.
      // close() above freed a slot unless a waiting call took it.
      call->retried = true;
      if (open_ < options_.max_connections) {
        connect(call);
      } else {
        waiting_.push_front(call);
      }
      return;
    }
    if (error == beast::error::timeout) {
      fail(call, "timeout", timeout_text());
    } else {
      fail(call, "io", what + " failed: " + error.message());
    }
  }

  // Returns a healthy connection to the pool or hands it to a waiting call.
  void release(const std::shared_ptr<connection>& conn) {
    conn->reused = true;
    if (stopping_) {
      close(conn);
      return;
    }
    while (!waiting_.empty()) {
      std::shared_ptr<pending_call> next = waiting_.front();
      waiting_.pop_front();
      if (!next->finished) {
        send(conn, next);
        return;
      }
    }
    idle_.push_back(conn);
  }

  void close(const std::shared_ptr<connection>& conn) {
    if (all_.erase(conn) == 0)
      return;
    --open_;
    beast::error_code ignored;
    conn->stream.socket().shutdown(tcp::socket::shutdown_both, ignored);
    conn->stream.close();
    // A closed slot lets a waiting call open a connection of its own.
    while (!waiting_.empty() && open_ < options_.max_connections && !stopping_) {
      std::shared_ptr<pending_call> next = waiting_.front();
      waiting_.pop_front();
      if (!next->finished) {
        connect(next);
        return;
      }
    }
  }

  void complete(const std::shared_ptr<pending_call>& call, int status, const std::string& body) {
    if (call->finished)
      return;
    finish(call, interpret_policy_response(status, body, call->action));
  }

  void fail(const std::shared_ptr<pending_call>& call, const std::string& cause,
            const std::string& detail) {
    if (call->finished)
      return;
    finish(call, engine_failure(cause, detail));
  }

  void finish(const std::shared_ptr<pending_call>& call, policy_outcome outcome) {
    call->finished = true;
    call->timer.cancel();
    active_.erase(call);
    if (metrics_) {
      metrics_->observe_opa(clock_type::now() - call->started);
      if (!outcome.evaluated)
        metrics_->count_opa_error(outcome.error_cause);
    }
    if (ready_)
      ready_->store(outcome.evaluated);
    completion done = std::move(call->done);
    done(std::move(outcome));
  }

  void shut_down() {
    stopping_ = true;
    std::vector<std::shared_ptr<pending_call>> calls(active_.begin(), active_.end());
    for (const auto& call : calls) {
      fail(call, "stopping", "the authz stage is stopping");
    }
    waiting_.clear();
    idle_.clear();
    std::vector<std::shared_ptr<connection>> conns(all_.begin(), all_.end());
    for (const auto& conn : conns) {
      close(conn);
    }
    resolver_.cancel();
  }

  std::string timeout_text() const {
    return "no answer from OPA within " + std::to_string(options_.timeout.count()) + " ms";
  }

  opa_client_options options_;
  authz_metrics* metrics_;
  std::atomic<bool>* ready_;
  std::string target_;
  std::string host_header_;
  asio::io_context io_;
  asio::executor_work_guard<asio::io_context::executor_type> work_;
  tcp::resolver resolver_;
  std::thread thread_;
  std::mutex post_mutex_;
  bool stopped_ = false;  // Guarded by post_mutex_.
  // Everything below is touched only on the io_context's thread.
  bool stopping_ = false;
  std::size_t open_ = 0;
  std::vector<std::shared_ptr<connection>> idle_;
  std::unordered_set<std::shared_ptr<connection>> all_;
  std::deque<std::shared_ptr<pending_call>> waiting_;
  std::unordered_set<std::shared_ptr<pending_call>> active_;
};

opa_client::opa_client(opa_client_options options, authz_metrics* metrics, std::atomic<bool>* ready)
    : impl_(std::make_shared<impl>(std::move(options), metrics, ready)) {
  impl_->start();
}

opa_client::~opa_client() {
  stop();
}

void opa_client::evaluate(std::string query_body, std::string action, completion done) {
  impl_->evaluate(std::move(query_body), std::move(action), std::move(done));
}

void opa_client::stop() {
  impl_->stop();
}

}  // namespace memgov::authz
