#include "redis_backend.hpp"

#include <stdexcept>

#include <caf/actor_system.hpp>
#include <caf/send.hpp>

#include "log/logger.hpp"

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
  options.batch_max = settings.redis_batch_max;
  options.queue_timeout = settings.redis_queue_timeout;
  options.key_prefix = settings.redis_key_prefix;
  options.on_failure = settings.redis_failure_mode;
  return options;
}

redis_backend::redis_backend(caf::actor_system& system, const redis_backend_options& options,
                             redis_metrics& metrics, ratelimit_backend* fallback)
    : options_(options),
      metrics_(metrics),
      fallback_(fallback),
      window_seconds_(static_cast<std::uint32_t>(options.window.count())) {
  if (options_.on_failure == failure_mode::local && fallback_ == nullptr) {
    throw std::invalid_argument("redis_backend: failure mode local needs a fallback backend");
  }
  int count = std::max(options_.connections, 1);
  for (int index = 0; index < count; ++index) {
    connection_options connection;
    connection.index = index;
    connection.endpoint = options_.endpoint;
    connection.timeout = options_.timeout;
    connection.window = options_.window;
    connection.batch_max = options_.batch_max;
    connection.queue_timeout = options_.queue_timeout;
    connection.key_prefix = options_.key_prefix;
    connection.backoff_initial = options_.backoff_initial;
    connection.backoff_max = options_.backoff_max;
    connection.health_interval = options_.health_interval;
    connection.members = &members_;
    connection.metrics = &metrics_;
    connection.status = std::make_shared<connection_status>();
    connection.on_failure = [this](redis_check&& check, const std::string& cause,
                                   const std::string& error) {
      on_failure(std::move(check), cause, error);
    };
    statuses_.push_back(connection.status);
    connections_.push_back(system.spawn<caf::detached>(run_redis_connection, connection));
  }
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
  // The next open connection in turn; when none is open, any one, which fails the check
  // at once (or reconnects first when its backoff allows).
  std::size_t count = connections_.size();
  std::size_t start = next_.fetch_add(1, std::memory_order_relaxed);
  std::size_t chosen = start % count;
  for (std::size_t i = 0; i < count; ++i) {
    std::size_t candidate = (start + i) % count;
    if (statuses_[candidate]->open.load(std::memory_order_relaxed)) {
      chosen = candidate;
      break;
    }
  }
  metrics_.connection_actor.mailbox_depth.Increment();
  caf::anon_send(connections_[chosen], redis_check{std::move(key), limit, std::move(done),
                                                   std::chrono::steady_clock::now()});
}

bool redis_backend::ready() const {
  return options_.on_failure == failure_mode::local || open_connections() > 0;
}

int redis_backend::open_connections() const {
  int open = 0;
  for (const auto& status : statuses_) {
    open += status->open.load(std::memory_order_relaxed) ? 1 : 0;
  }
  return open;
}

void redis_backend::stop() {
  if (stopped_.exchange(true)) {
    return;
  }
  for (const caf::actor& connection : connections_) {
    caf::anon_send(connection, redis_stop_atom::value);
  }
}

void redis_backend::on_failure(redis_check&& check, const std::string& cause,
                               const std::string& error) {
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

}  // namespace memgov::ratelimit
