#include "redis_backend.hpp"

#include <deque>
#include <stdexcept>
#include <vector>

#include "log/logger.hpp"
#include "member_source.hpp"
#include "redis_connection.hpp"
#include "redis_connector.hpp"

namespace memgov::ratelimit {
namespace {

log::logger& backend_logger() {
  static log::logger logger("redis_backend");
  return logger;
}

}  // namespace

redis_backend_options make_redis_backend_options(const ratelimit_settings& settings) {
  redis_backend_options options;
  options.endpoint = settings.redis;
  options.timeout = settings.redis_timeout;
  options.window = settings.window;
  options.connections = settings.redis_connections;
  options.pipeline_depth = settings.redis_pipeline_depth;
  options.batch_max = settings.redis_batch_max;
  options.queue_timeout = settings.redis_queue_timeout;
  options.key_prefix = settings.redis_key_prefix;
  options.on_failure = settings.redis_failure_mode;
  return options;
}

// The part of the backend that lives on the loop thread: the queue of checks, the
// connections and the connector that opens them.
class redis_backend_core : public transport::poll_source,
                           public std::enable_shared_from_this<redis_backend_core> {
 public:
  redis_backend_core(caf::actor_system& system, transport::event_loop loop,
                     const redis_backend_options& options, redis_metrics& metrics,
                     ratelimit_backend* fallback)
      : options_(options),
        metrics_(metrics),
        fallback_(fallback),
        loop_(std::move(loop)),
        connector_(system, options.endpoint, options.timeout) {}

  // Creates the connections; they connect on the loop's first round.
  void create_connections() {
    int count = std::max(options_.connections, 1);
    std::weak_ptr<redis_backend_core> weak = weak_from_this();
    for (int index = 0; index < count; ++index) {
      connection_options connection;
      connection.index = index;
      connection.endpoint = options_.endpoint;
      connection.timeout = options_.timeout;
      connection.queue_timeout = options_.queue_timeout;
      connection.window = options_.window;
      connection.key_prefix = options_.key_prefix;
      connection.backoff_initial = options_.backoff_initial;
      connection.backoff_max = options_.backoff_max;
      connection.health_interval = options_.health_interval;
      connection.members = &members_;
      connection.metrics = &metrics_;
      connection.open_count = &open_count;
      connection.last_reply = &last_reply_;
      connection.on_failure = [this](redis_check&& check, const std::string& cause,
                                     const std::string& error) {
        on_failure(std::move(check), cause, error);
      };
      connection.request_connect = [this, weak, index] {
        transport::event_loop loop = loop_;
        connector_.connect([weak, index, loop](std::shared_ptr<connect_result> result) {
          loop.post([weak, index, result] {
            if (auto core = weak.lock()) {
              core->connections_[static_cast<std::size_t>(index)]->connected(result);
            }
          });
        });
      };
      connections_.push_back(std::make_unique<redis_connection>(std::move(connection)));
    }
  }

  // Queues a check until the end of the round. Loop thread only.
  void enqueue(redis_check check) { pending_.push_back(std::move(check)); }

  void stop_connector() { connector_.stop(); }

  void add_poll_items(std::vector<zmq::pollitem_t>& items) override {
    polled_.clear();
    for (std::size_t i = 0; i < connections_.size(); ++i) {
      std::size_t before = items.size();
      connections_[i]->add_poll_item(items);
      if (items.size() > before) {
        polled_.push_back(i);
      }
    }
  }

  void handle_poll_items(const zmq::pollitem_t* items, std::size_t count) override {
    for (std::size_t n = 0; n < count && n < polled_.size(); ++n) {
      if (items[n].revents != 0) {
        connections_[polled_[n]]->handle_poll_item(items[n]);
      }
    }
  }

  void flush() override {
    if (!pending_.empty()) {
      send_pending();
    }
    for (auto& connection : connections_) {
      connection->flush();
    }
  }

  transport::loop_clock::time_point run_timers(transport::loop_clock::time_point now) override {
    auto next = transport::loop_clock::time_point::max();
    for (auto& connection : connections_) {
      next = std::min(next, connection->run_timers(now));
    }
    if (!pending_.empty()) {
      // Checks queued outside a round (by a callback of another source) go out now.
      flush();
      if (!pending_.empty()) {
        next = std::min(next, pending_.front().enqueued + options_.queue_timeout);
      }
    }
    return next;
  }

  void on_stop() override {
    connector_.stop();
    pending_.clear();
    connections_.clear();
  }

  std::atomic<int> open_count{0};

 private:
  void send_pending() {
    fail_stale(transport::loop_clock::now());
    while (!pending_.empty()) {
      redis_connection* connection = choose_connection();
      if (connection == nullptr) {
        break;
      }
      std::size_t take = std::min(pending_.size(), options_.batch_max);
      batch_.clear();
      for (std::size_t i = 0; i < take; ++i) {
        batch_.push_back(std::move(pending_.front()));
        pending_.pop_front();
      }
      connection->send(batch_);
    }
    if (!pending_.empty() && !any_connection_usable()) {
      fail_all_pending();
    }
    metrics_.connection_actor.mailbox_depth.Set(static_cast<double>(pending_.size()));
  }

  // The open connection with the fewest batches in flight, below the pipeline depth; the
  // first such one after the last chosen when several tie.
  redis_connection* choose_connection() {
    redis_connection* best = nullptr;
    std::size_t count = connections_.size();
    for (std::size_t i = 0; i < count; ++i) {
      redis_connection* candidate = connections_[(next_connection_ + i) % count].get();
      if (!candidate->is_open() || candidate->batches_in_flight() >= options_.pipeline_depth) {
        continue;
      }
      if (best == nullptr || candidate->batches_in_flight() < best->batches_in_flight()) {
        best = candidate;
      }
    }
    next_connection_ = (next_connection_ + 1) % count;
    return best;
  }

  // Whether a queued check may still be sent: a connection is open (its pipeline is full) or
  // one is connecting.
  bool any_connection_usable() const {
    for (const auto& connection : connections_) {
      if (connection->is_open() || connection->is_connecting()) {
        return true;
      }
    }
    return false;
  }

  void fail_stale(transport::loop_clock::time_point now) {
    while (!pending_.empty() && now - pending_.front().enqueued > options_.queue_timeout) {
      redis_check check = std::move(pending_.front());
      pending_.pop_front();
      auto waited = std::chrono::duration_cast<std::chrono::milliseconds>(now - check.enqueued);
      metrics_.count_error("queue_timeout");
      on_failure(std::move(check), "queue_timeout",
                 "the check waited " + std::to_string(waited.count()) +
                     " ms to be sent to Redis, longer than ratelimit.redis_queue_timeout_ms (" +
                     std::to_string(options_.queue_timeout.count()) + ")");
    }
  }

  void fail_all_pending() {
    const redis_connection* latest = connections_.front().get();
    for (const auto& connection : connections_) {
      if (connection->last_error_at() > latest->last_error_at()) {
        latest = connection.get();
      }
    }
    std::string error = "not connected to Redis at " + options_.endpoint.redacted() +
                        "; last error: " + latest->last_error();
    while (!pending_.empty()) {
      redis_check check = std::move(pending_.front());
      pending_.pop_front();
      metrics_.count_error("not_connected");
      on_failure(std::move(check), "not_connected", error);
    }
  }

  void on_failure(redis_check&& check, const std::string& cause, const std::string& error) {
    if (options_.on_failure == failure_mode::local) {
      metrics_.fallback.Increment();
      backend_logger().warning_limited(
          "fallback",
          "Redis did not decide a check; deciding it with this replica's in-memory "
          "limiter (failure mode local), so limits are per replica until Redis is back",
          {{"cause", cause}, {"error", error}});
      fallback_->check(std::move(check.rate_key), check.limit, std::move(check.done));
      return;
    }
    backend_logger().warning_limited(
        "closed", "Redis did not decide a check; rejecting it (failure mode closed)",
        {{"cause", cause}, {"error", error}});
    limit_decision decision;
    decision.result = outcome::store_unavailable;
    decision.limit = check.limit;
    decision.error = error;
    check.done(decision);
  }

  const redis_backend_options options_;
  redis_metrics& metrics_;
  ratelimit_backend* fallback_;
  transport::event_loop loop_;
  member_source members_;
  redis_connector connector_;
  std::vector<std::unique_ptr<redis_connection>> connections_;
  std::deque<redis_check> pending_;
  std::vector<redis_check> batch_;   // Scratch space of send_pending().
  std::vector<std::size_t> polled_;  // Connection of each poll item added, in order.
  std::size_t next_connection_ = 0;
  transport::loop_clock::time_point last_reply_{};  // See connection_options::last_reply.
};

redis_backend::redis_backend(caf::actor_system& system, const redis_backend_options& options,
                             redis_metrics& metrics, ratelimit_backend* fallback)
    : redis_backend(system, transport::event_loop(system, "redis_backend"), options, metrics,
                    fallback) {
  owns_loop_ = true;
  loop_.start();
}

redis_backend::redis_backend(caf::actor_system& system, transport::event_loop loop,
                             const redis_backend_options& options, redis_metrics& metrics,
                             ratelimit_backend* fallback)
    : on_failure_(options.on_failure),
      window_seconds_(static_cast<std::uint32_t>(options.window.count())),
      loop_(loop) {
  if (options.on_failure == failure_mode::local && fallback == nullptr) {
    throw std::invalid_argument("redis_backend: failure mode local needs a fallback backend");
  }
  core_ = std::make_shared<redis_backend_core>(system, loop, options, metrics, fallback);
  core_->create_connections();
  loop_.add(core_);
}

redis_backend::~redis_backend() {
  stop();
}

void redis_backend::check(std::string key, std::uint32_t limit, decision_callback done) {
  if (stopped_.load(std::memory_order_relaxed)) {
    return;
  }
  if (limit == 0) {
    done(zero_limit_decision(window_seconds_));
    return;
  }
  redis_check check{std::move(key), limit, std::move(done), transport::loop_clock::now()};
  if (loop_.on_loop_thread()) {
    core_->enqueue(std::move(check));
    return;
  }
  loop_.post(
      [core = core_, check = std::move(check)]() mutable { core->enqueue(std::move(check)); });
}

bool redis_backend::ready() const {
  return on_failure_ == failure_mode::local || open_connections() > 0;
}

int redis_backend::open_connections() const {
  return core_->open_count.load(std::memory_order_relaxed);
}

void redis_backend::stop() {
  if (stopped_.exchange(true)) {
    return;
  }
  core_->stop_connector();
  if (owns_loop_) {
    loop_.stop();
  }
}

}  // namespace memgov::ratelimit
