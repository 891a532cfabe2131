#include "upstream/upstream_pool.hpp"

#include <algorithm>

#include <boost/asio/error.hpp>

#include "ingress_metrics.hpp"
#include "upstream/upstream_connection.hpp"

namespace memgov::ingress::upstream {
namespace net = boost::asio;

const char* to_string(upstream_status status) {
  switch (status) {
    case upstream_status::ok:
      return "ok";
    case upstream_status::unavailable:
      return "unavailable";
    case upstream_status::timed_out:
      return "timed_out";
    case upstream_status::invalid_response:
      return "invalid_response";
  }
  return "unavailable";
}

upstream_pool::upstream_pool(net::io_context& io, pool_options options, ingress_metrics* metrics)
    : io_(io),
      options_(std::move(options)),
      metrics_(metrics),
      queue_timer_(io),
      prune_timer_(io) {}

upstream_pool::~upstream_pool() {
  close();
}

void upstream_pool::send(request_type& request, clock_type::time_point deadline,
                         upstream_handler done) {
  upstream_job job{&request, deadline, std::move(done), false};
  if (auto connection = take_idle()) {
    connection->start(std::move(job), true);
    return;
  }
  if (open_ < options_.max_connections) {
    open_and_start(std::move(job));
    return;
  }
  waiting_.push_back(std::move(job));
  if (metrics_ != nullptr)
    metrics_->upstream_waiting().Increment();
  arm_queue_timer();
}

std::shared_ptr<upstream_connection> upstream_pool::take_idle() {
  auto now = clock_type::now();
  while (!idle_.empty()) {
    std::shared_ptr<upstream_connection> connection = std::move(idle_.back());
    idle_.pop_back();
    if (connection->usable_after_idle(now))
      return connection;
    connection->close();
    --open_;
    if (metrics_ != nullptr)
      metrics_->upstream_connections_open().Decrement();
  }
  return nullptr;
}

void upstream_pool::open_and_start(upstream_job job) {
  ++open_;
  if (metrics_ != nullptr)
    metrics_->upstream_connections_open().Increment();
  auto connection = std::make_shared<upstream_connection>(*this, io_);
  connection->start(std::move(job), false);
}

void upstream_pool::on_finished(const std::shared_ptr<upstream_connection>& connection,
                                bool reusable, upstream_job job, upstream_result result) {
  if (reusable) {
    expire_waiting();
    if (!waiting_.empty()) {
      upstream_job next = std::move(waiting_.front());
      waiting_.pop_front();
      if (metrics_ != nullptr)
        metrics_->upstream_waiting().Decrement();
      connection->start(std::move(next), true);
    } else {
      connection->mark_idle(clock_type::now());
      idle_.push_back(connection);
      arm_prune_timer();
    }
  } else {
    --open_;
    if (metrics_ != nullptr)
      metrics_->upstream_connections_open().Decrement();
    start_next_waiting();
  }
  upstream_handler done = std::move(job.done);
  done(std::move(result));
}

void upstream_pool::on_retry(upstream_job job) {
  if (metrics_ != nullptr) {
    metrics_->upstream_retries().Increment();
    metrics_->upstream_connections_open().Decrement();
  }
  // The failed connection's slot goes to the fresh one, so the retry does not queue.
  --open_;
  open_and_start(std::move(job));
}

void upstream_pool::start_next_waiting() {
  expire_waiting();
  while (!waiting_.empty() && open_ < options_.max_connections) {
    upstream_job next = std::move(waiting_.front());
    waiting_.pop_front();
    if (metrics_ != nullptr)
      metrics_->upstream_waiting().Decrement();
    if (auto connection = take_idle()) {
      connection->start(std::move(next), true);
    } else {
      open_and_start(std::move(next));
    }
  }
}

void upstream_pool::arm_queue_timer() {
  if (queue_timer_armed_ || waiting_.empty())
    return;
  queue_timer_armed_ = true;
  // Every request has the same timeout, so the front of the FIFO queue expires first.
  queue_timer_.expires_at(waiting_.front().deadline);
  queue_timer_.async_wait([this](boost::system::error_code error) {
    queue_timer_armed_ = false;
    if (error == net::error::operation_aborted)
      return;
    expire_waiting();
    arm_queue_timer();
  });
}

void upstream_pool::expire_waiting() {
  auto now = clock_type::now();
  while (!waiting_.empty() && waiting_.front().deadline <= now) {
    upstream_job expired = std::move(waiting_.front());
    waiting_.pop_front();
    if (metrics_ != nullptr)
      metrics_->upstream_waiting().Decrement();
    upstream_result result;
    result.status = upstream_status::timed_out;
    result.error = "no Mem0 connection became free within the upstream timeout (" +
                   std::to_string(options_.max_connections) + " connections busy)";
    expired.done(std::move(result));
  }
}

void upstream_pool::prune_idle() {
  auto now = clock_type::now();
  // Usable connections keep their order (most recently used last); the others move to the end.
  auto stale = std::stable_partition(
      idle_.begin(), idle_.end(),
      [now](const std::shared_ptr<upstream_connection>& c) { return c->usable_after_idle(now); });
  for (auto it = stale; it != idle_.end(); ++it) {
    (*it)->close();
    --open_;
    if (metrics_ != nullptr)
      metrics_->upstream_connections_open().Decrement();
  }
  idle_.erase(stale, idle_.end());
}

void upstream_pool::arm_prune_timer() {
  if (prune_timer_armed_)
    return;
  prune_timer_armed_ = true;
  // Without a sweep, connections that Mem0 closed while idle would keep their sockets (in
  // CLOSE_WAIT) until the next request reached them.
  prune_timer_.expires_after(options_.idle_timeout);
  prune_timer_.async_wait([this](boost::system::error_code error) {
    prune_timer_armed_ = false;
    if (error == net::error::operation_aborted)
      return;
    prune_idle();
    if (!idle_.empty())
      arm_prune_timer();
  });
}

void upstream_pool::close() {
  for (auto& connection : idle_) {
    connection->close();
    if (metrics_ != nullptr)
      metrics_->upstream_connections_open().Decrement();
  }
  open_ -= idle_.size();
  idle_.clear();
  queue_timer_.cancel();
  prune_timer_.cancel();
  // The handlers are dropped, not called, because at shutdown no client would receive a response.
  if (metrics_ != nullptr)
    metrics_->upstream_waiting().Decrement(static_cast<double>(waiting_.size()));
  waiting_.clear();
}

}  // namespace memgov::ingress::upstream
