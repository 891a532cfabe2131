#include "redis_connection.hpp"

#include <algorithm>
#include <random>
#include <vector>

#include <hiredis/hiredis.h>
#include <caf/after.hpp>

#include "log/logger.hpp"
#include "redis_link.hpp"
#include "redis_script.hpp"

namespace memgov::ratelimit {
namespace {

using clock_type = std::chrono::steady_clock;

double seconds_between(clock_type::time_point from, clock_type::time_point to) {
  return std::chrono::duration<double>(to - from).count();
}

std::string milliseconds_text(clock_type::duration duration) {
  return std::to_string(std::chrono::duration_cast<std::chrono::milliseconds>(duration).count());
}

// Exponential backoff with +-20% jitter, so replicas that lost Redis together do not all
// reconnect in the same instant.
class reconnect_backoff {
 public:
  reconnect_backoff(std::chrono::milliseconds initial, std::chrono::milliseconds max)
      : initial_(initial), max_(max), delay_(initial), random_(std::random_device{}()) {}

  void failed(clock_type::time_point now) {
    std::uniform_real_distribution<double> jitter(0.8, 1.2);
    auto wait = std::chrono::duration_cast<clock_type::duration>(delay_ * jitter(random_));
    next_attempt_ = now + wait;
    delay_ = std::min(delay_ * 2, max_);
  }

  void succeeded() { delay_ = initial_; }

  bool due(clock_type::time_point now) const { return now >= next_attempt_; }

  clock_type::duration until_due(clock_type::time_point now) const {
    return next_attempt_ > now ? next_attempt_ - now : clock_type::duration::zero();
  }

 private:
  std::chrono::milliseconds initial_;
  std::chrono::milliseconds max_;
  std::chrono::milliseconds delay_;
  clock_type::time_point next_attempt_{};
  std::mt19937 random_;
};

class connection_loop {
 public:
  explicit connection_loop(connection_options options)
      : options_(std::move(options)),
        link_(options_.endpoint, options_.timeout,
              std::chrono::duration_cast<std::chrono::microseconds>(options_.window)),
        window_us_(std::chrono::duration_cast<std::chrono::microseconds>(options_.window).count()),
        backoff_(options_.backoff_initial, options_.backoff_max),
        logger_("redis_connection"),
        index_text_(std::to_string(options_.index)) {}

  void run(caf::blocking_actor* self) {
    try_connect();
    std::vector<redis_check> batch;
    batch.reserve(options_.batch_max);
    bool running = true;
    while (running) {
      batch.clear();
      sample_key_count();
      auto take = [&](redis_check& check) {
        options_.metrics->connection_actor.mailbox_depth.Decrement();
        batch.push_back(std::move(check));
      };
      auto stop = [&](redis_stop_atom) { running = false; };
      if (link_.is_open()) {
        bool idle = false;
        self->receive(
            take, stop, caf::after(options_.health_interval) >> [&] { idle = true; });
        if (idle) {
          check_health();
          continue;
        }
      } else {
        // Wake up for the next reconnect attempt even when no check arrives.
        auto wait = std::chrono::duration_cast<std::chrono::microseconds>(
            backoff_.until_due(clock_type::now()));
        self->receive(
            take, stop, caf::after(wait) >> [] {});
      }
      // Takes what is already in the mailbox without waiting. One receive_while builds the
      // behavior once per batch instead of once per check. The saving was within the noise of
      // the ratelimit benchmark on a loaded 2-vCPU machine.
      bool more = true;
      self->receive_while([&] { return running && more && batch.size() < options_.batch_max; })(
          take, stop, caf::after(std::chrono::seconds(0)) >> [&] { more = false; });
      if (!running) {
        break;
      }
      if (!link_.is_open() && backoff_.due(clock_type::now())) {
        try_connect();
      }
      if (!batch.empty()) {
        process(batch);
      }
    }
    close_link();
  }

 private:
  void try_connect() {
    auto started = clock_type::now();
    ++attempts_;
    std::optional<redis_error> error = link_.connect();
    if (error) {
      options_.metrics->count_error(error->cause);
      last_error_ = error->message;
      backoff_.failed(clock_type::now());
      if (attempts_ == 1) {
        logger_.error("connecting to Redis failed; retrying with backoff",
                      {{"connection", index_text_},
                       {"redis", options_.endpoint.redacted()},
                       {"cause", error->cause},
                       {"error", error->message}});
      } else {
        logger_.warning_limited("connect:" + index_text_, "reconnecting to Redis failed",
                                {{"connection", index_text_},
                                 {"redis", options_.endpoint.redacted()},
                                 {"attempts", std::to_string(attempts_)},
                                 {"cause", error->cause},
                                 {"error", error->message}});
      }
      return;
    }
    backoff_.succeeded();
    options_.status->open.store(true);
    options_.metrics->connections_open.Increment();
    if (ever_connected_) {
      options_.metrics->reconnects.Increment();
      logger_.info("reconnected to Redis", {{"connection", index_text_},
                                            {"redis", options_.endpoint.redacted()},
                                            {"attempts", std::to_string(attempts_)},
                                            {"down_ms", milliseconds_text(started - down_since_)}});
    } else {
      logger_.info("connected to Redis", {{"connection", index_text_},
                                          {"redis", options_.endpoint.redacted()},
                                          {"script_sha", link_.script_sha()}});
    }
    ever_connected_ = true;
    attempts_ = 0;
  }

  // Notices a lost connection while no check arrives, so that ready() turns false and the
  // reconnection starts before the next request.
  void check_health() {
    redis_error error;
    if (!link_.command({"PING"}, error)) {
      lost_link(error);
    }
  }

  // Sets memgov_ratelimit_redis_database_keys from DBSIZE (O(1) in Redis) once per health
  // interval. Only connection 0 samples, so a replica sends one DBSIZE per interval.
  void sample_key_count() {
    auto now = clock_type::now();
    if (options_.index != 0 || !link_.is_open() || now < next_key_sample_) {
      return;
    }
    next_key_sample_ = now + options_.health_interval;
    redis_error error;
    reply_ptr reply = link_.command({"DBSIZE"}, error);
    if (!reply) {
      lost_link(error);
      return;
    }
    if (reply->type != REDIS_REPLY_INTEGER) {
      logger_.warning_limited(
          "dbsize:" + index_text_,
          "DBSIZE did not return an integer; "
          "memgov_ratelimit_redis_database_keys keeps its last value",
          {{"connection", index_text_}, {"reply_type", std::to_string(reply->type)}});
      return;
    }
    options_.metrics->database_keys.Set(static_cast<double>(reply->integer));
  }

  void close_link() {
    if (options_.status->open.exchange(false)) {
      options_.metrics->connections_open.Decrement();
    }
    link_.close();
  }

  // Records a failure that closed the link; the next attempt follows the backoff.
  void lost_link(const redis_error& error) {
    close_link();
    options_.metrics->count_error(error.cause);
    last_error_ = error.message;
    down_since_ = clock_type::now();
    backoff_.failed(down_since_);
    attempts_ = 0;
    logger_.warning("lost the connection to Redis; reconnecting with backoff",
                    {{"connection", index_text_},
                     {"redis", options_.endpoint.redacted()},
                     {"cause", error.cause},
                     {"error", error.message}});
  }

  void fail(redis_check&& check, const std::string& cause, const std::string& error) {
    options_.metrics->count_error(cause);
    options_.on_failure(std::move(check), cause, error);
  }

  // Fails the checks that waited too long and returns the others.
  std::vector<redis_check> drop_stale(std::vector<redis_check>& batch) {
    auto now = clock_type::now();
    std::vector<redis_check> live;
    live.reserve(batch.size());
    for (redis_check& check : batch) {
      auto waited = now - check.enqueued;
      if (waited > options_.queue_timeout) {
        fail(std::move(check), "queue_timeout",
             "the check waited " + milliseconds_text(waited) +
                 " ms for a Redis connection, longer than ratelimit.redis_queue_timeout_ms (" +
                 std::to_string(options_.queue_timeout.count()) + ")");
      } else {
        live.push_back(std::move(check));
      }
    }
    return live;
  }

  void process(std::vector<redis_check>& batch) {
    auto started = clock_type::now();
    std::vector<redis_check> live = drop_stale(batch);
    if (!link_.is_open()) {
      std::string error = "not connected to Redis at " + options_.endpoint.redacted() +
                          "; last error: " + last_error_;
      for (redis_check& check : live) {
        fail(std::move(check), "not_connected", error);
      }
      finish_batch(started, batch.size());
      return;
    }

    calls_.resize(live.size());
    for (std::size_t i = 0; i < live.size(); ++i) {
      calls_[i].key = options_.key_prefix + live[i].rate_key;
      calls_[i].limit = live[i].limit;
      calls_[i].member = options_.members->next();
    }
    std::uint64_t reloads_before = link_.script_reloads();
    auto sent = clock_type::now();
    std::optional<redis_error> link_error = link_.run_checks(calls_, outcomes_);
    auto answered = clock_type::now();
    options_.metrics->batch_seconds.Observe(seconds_between(sent, answered));
    options_.metrics->batch_size.Observe(static_cast<double>(live.size()));
    if (link_.script_reloads() != reloads_before) {
      options_.metrics->script_reloads.Increment(
          static_cast<double>(link_.script_reloads() - reloads_before));
      logger_.warning("Redis had lost the rate limit script (NOSCRIPT); loaded it again",
                      {{"connection", index_text_}});
    }

    bool read_only = false;
    for (std::size_t i = 0; i < live.size(); ++i) {
      script_outcome& outcome = outcomes_[i];
      switch (outcome.status) {
        case script_status::ok:
          options_.metrics->check_seconds.Observe(seconds_between(live[i].enqueued, answered));
          live[i].done(to_decision(outcome.reply, live[i].limit, window_us_));
          break;
        case script_status::server_error:
          read_only = read_only || outcome.error.compare(0, 8, "READONLY") == 0;
          logger_.warning_limited("server:" + index_text_,
                                  "Redis answered the rate limit script with an error",
                                  {{"connection", index_text_}, {"error", outcome.error}});
          fail(std::move(live[i]), "server",
               "Redis answered the rate limit script with an error: " + outcome.error);
          break;
        case script_status::not_answered:
          fail(std::move(live[i]), link_error ? link_error->cause : "io", outcome.error);
          break;
      }
    }
    if (link_error) {
      lost_link(*link_error);
    } else if (read_only) {
      // A replica that was promoted away from: connect again, to whatever the URL's host
      // name resolves to now.
      lost_link({"server", "Redis is read-only (READONLY); the URL no longer names a primary"});
    }
    finish_batch(started, batch.size());
  }

  void finish_batch(clock_type::time_point started, std::size_t checks) {
    options_.metrics->connection_actor.messages.Increment(static_cast<double>(checks));
    options_.metrics->connection_actor.processing_seconds.Observe(
        seconds_between(started, clock_type::now()));
  }

  connection_options options_;
  redis_link link_;
  std::int64_t window_us_;
  reconnect_backoff backoff_;
  log::logger logger_;
  std::string index_text_;
  std::string last_error_ = "no connection attempt yet";
  bool ever_connected_ = false;
  int attempts_ = 0;  // Connection attempts since the link was last open.
  clock_type::time_point down_since_ = clock_type::now();
  clock_type::time_point next_key_sample_{};
  std::vector<script_call> calls_;
  std::vector<script_outcome> outcomes_;
};

}  // namespace

void run_redis_connection(caf::blocking_actor* self, connection_options options) {
  connection_loop loop(std::move(options));
  loop.run(self);
}

}  // namespace memgov::ratelimit
