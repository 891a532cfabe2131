#include "redis_connection.hpp"

#include <algorithm>

#include <hiredis/hiredis.h>

#include "redis_script.hpp"

namespace memgov::ratelimit {
namespace {

double seconds_between(loop_clock::time_point from, loop_clock::time_point to) {
  return std::chrono::duration<double>(to - from).count();
}

std::string milliseconds_text(loop_clock::duration duration) {
  return std::to_string(std::chrono::duration_cast<std::chrono::milliseconds>(duration).count());
}

bool is_error_reply(const redisReply& reply, std::string_view prefix) {
  return reply.type == REDIS_REPLY_ERROR &&
         std::string_view(reply.str, reply.len).substr(0, prefix.size()) == prefix;
}

}  // namespace

reconnect_backoff::reconnect_backoff(std::chrono::milliseconds initial,
                                     std::chrono::milliseconds max)
    : initial_(initial), max_(max), delay_(initial), random_(std::random_device{}()) {}

void reconnect_backoff::failed(loop_clock::time_point now) {
  std::uniform_real_distribution<double> jitter(0.8, 1.2);
  auto wait = std::chrono::duration_cast<loop_clock::duration>(delay_ * jitter(random_));
  next_attempt_ = now + wait;
  delay_ = std::min(delay_ * 2, max_);
}

redis_connection::redis_connection(connection_options options)
    : options_(std::move(options)),
      window_text_(std::to_string(
          std::chrono::duration_cast<std::chrono::microseconds>(options_.window).count())),
      window_us_(std::chrono::duration_cast<std::chrono::microseconds>(options_.window).count()),
      backoff_(options_.backoff_initial, options_.backoff_max),
      logger_("redis_connection"),
      index_text_(std::to_string(options_.index)) {}

redis_connection::~redis_connection() {
  close();
}

void redis_connection::close() {
  if (pipeline_) {
    pipeline_.reset();
    options_.open_count->fetch_sub(1);
    options_.metrics->connections_open.Decrement();
  }
  in_flight_.clear();
  batches_in_flight_ = 0;
}

void redis_connection::send(std::vector<redis_check>& checks) {
  if (!pipeline_ || checks.empty()) {
    return;
  }
  auto now = loop_clock::now();
  options_.metrics->batch_size.Observe(static_cast<double>(checks.size()));
  const std::size_t per_run = std::max<std::size_t>(options_.checks_per_script, 1);
  for (std::size_t begin = 0; begin < checks.size(); begin += per_run) {
    std::size_t end = std::min(begin + per_run, checks.size());
    in_flight_command run;
    run.kind = command_kind::checks;
    run.checks.assign(std::make_move_iterator(checks.begin() + static_cast<std::ptrdiff_t>(begin)),
                      std::make_move_iterator(checks.begin() + static_cast<std::ptrdiff_t>(end)));
    run.ends_batch = end == checks.size();
    run.batch_sent = now;
    send_run(std::move(run));
  }
  checks.clear();
  ++batches_in_flight_;
}

void redis_connection::send_run(in_flight_command run) {
  std::size_t count = run.checks.size();
  redis_pipeline& out = *pipeline_;
  out.begin_command(3 + count + 1 + 2 * count);
  out.argument("EVALSHA");
  out.argument(script_sha_);
  out.argument(static_cast<std::uint64_t>(count));
  for (const redis_check& check : run.checks) {
    out.argument(options_.key_prefix, check.rate_key);
  }
  out.argument(window_text_);
  for (const redis_check& check : run.checks) {
    out.argument(static_cast<std::uint64_t>(check.limit));
    out.argument(options_.members->next());
  }
  run.sent = loop_clock::now();
  run.sequence = next_sequence_++;
  last_activity_ = run.sent;
  in_flight_.push_back(std::move(run));
}

void redis_connection::send_simple(command_kind kind,
                                   std::initializer_list<std::string_view> arguments) {
  pipeline_->begin_command(arguments.size());
  for (std::string_view argument : arguments) {
    pipeline_->argument(argument);
  }
  in_flight_command command;
  command.kind = kind;
  command.sent = loop_clock::now();
  command.sequence = next_sequence_++;
  last_activity_ = command.sent;
  if (kind == command_kind::script_load) {
    last_script_load_ = command.sequence;
  }
  in_flight_.push_back(std::move(command));
}

void redis_connection::flush() {
  if (!pipeline_ || !pipeline_->wants_write()) {
    return;
  }
  if (std::optional<redis_error> error = pipeline_->write()) {
    lost_link(*error);
  }
}

void redis_connection::add_poll_item(std::vector<zmq::pollitem_t>& items) const {
  if (!pipeline_) {
    return;
  }
  short events = ZMQ_POLLIN;
  if (pipeline_->wants_write()) {
    events |= ZMQ_POLLOUT;
  }
  items.push_back({nullptr, pipeline_->fd(), events, 0});
}

void redis_connection::handle_poll_item(const zmq::pollitem_t& item) {
  if (!pipeline_ || item.fd != pipeline_->fd()) {
    return;
  }
  if (item.revents & ZMQ_POLLOUT) {
    flush();
  }
  if (pipeline_ && (item.revents & (ZMQ_POLLIN | ZMQ_POLLERR))) {
    auto started = loop_clock::now();
    std::optional<redis_error> error =
        pipeline_->read([this](reply_ptr reply) { handle_reply(std::move(reply)); });
    options_.metrics->connection_actor.processing_seconds.Observe(
        seconds_between(started, loop_clock::now()));
    if (error) {
      deferred_error_.reset();
      lost_link(*error);
    } else if (deferred_error_) {
      redis_error deferred = std::move(*deferred_error_);
      deferred_error_.reset();
      // The checks that met the error were counted as "server" one by one.
      lost_link(deferred, /*count=*/false);
    }
  }
}

void redis_connection::handle_reply(reply_ptr reply) {
  if (deferred_error_) {
    return;  // The connection closes after this read; its commands fail then.
  }
  if (in_flight_.empty()) {
    deferred_error_ = redis_error{"protocol", "Redis sent a reply to no command"};
    return;
  }
  in_flight_command command = std::move(in_flight_.front());
  in_flight_.pop_front();
  last_activity_ = loop_clock::now();
  *options_.last_reply = last_activity_;
  if (command.kind == command_kind::checks) {
    handle_run_reply(command, *reply);
  } else {
    handle_status_reply(command, *reply);
  }
}

void redis_connection::handle_run_reply(in_flight_command& run, const redisReply& reply) {
  auto answered = loop_clock::now();
  if (run.ends_batch && !run.resent) {
    --batches_in_flight_;
    options_.metrics->batch_seconds.Observe(seconds_between(run.batch_sent, answered));
  }
  if (is_error_reply(reply, "NOSCRIPT") && !run.resent) {
    // Redis lost the script (SCRIPT FLUSH, a restart behind a proxy). It did not run, so
    // the run goes again after a SCRIPT LOAD sent after it.
    options_.metrics->script_reloads.Increment();
    logger_.warning_limited("noscript:" + index_text_,
                            "Redis had lost the rate limit script (NOSCRIPT); loading it again",
                            {{"connection", index_text_}});
    if (last_script_load_ < run.sequence) {
      send_simple(command_kind::script_load, {"SCRIPT", "LOAD", check_script()});
    }
    run.resent = true;
    run.ends_batch = false;
    send_run(std::move(run));
    return;
  }

  std::size_t count = run.checks.size();
  outcomes_.assign(count, script_outcome{});
  read_run_reply(reply, outcomes_.data(), count);
  options_.metrics->connection_actor.messages.Increment(static_cast<double>(count));
  for (std::size_t i = 0; i < count; ++i) {
    redis_check& check = run.checks[i];
    script_outcome& outcome = outcomes_[i];
    if (outcome.status == script_status::ok) {
      options_.metrics->check_seconds.Observe(seconds_between(check.enqueued, answered));
      check.done(to_decision(outcome.reply, check.limit, window_us_));
      continue;
    }
    if (outcome.error.compare(0, 8, "READONLY") == 0 && !deferred_error_) {
      // A replica that was promoted away from: connect again, to whatever the URL's host
      // name resolves to now.
      deferred_error_ =
          redis_error{"server", "Redis is read-only (READONLY); the URL no longer names a primary"};
    } else if (outcome.error.compare(0, 6, "NOPERM") == 0 && !deferred_error_) {
      // The ACL changed under an open connection. Connecting again checks the permission
      // first, so the stage reports itself unready instead of failing every check.
      deferred_error_ =
          redis_error{"server", "Redis refused the rate limit script: " + outcome.error};
    }
    logger_.warning_limited("server:" + index_text_,
                            "Redis answered the rate limit script with an error",
                            {{"connection", index_text_}, {"error", outcome.error}});
    fail(std::move(check), "server",
         "Redis answered the rate limit script with an error: " + outcome.error);
  }
}

void redis_connection::handle_status_reply(const in_flight_command& command,
                                           const redisReply& reply) {
  switch (command.kind) {
    case command_kind::dbsize:
      if (reply.type == REDIS_REPLY_INTEGER) {
        options_.metrics->database_keys.Set(static_cast<double>(reply.integer));
      } else {
        logger_.warning_limited(
            "dbsize:" + index_text_,
            "DBSIZE did not return an integer; "
            "memgov_ratelimit_redis_database_keys keeps its last value",
            {{"connection", index_text_}, {"reply_type", std::to_string(reply.type)}});
      }
      break;
    case command_kind::script_load:
      if (reply.type == REDIS_REPLY_STRING) {
        script_sha_.assign(reply.str, reply.len);
      } else {
        options_.metrics->count_error("script_load");
        logger_.error(
            "SCRIPT LOAD of the rate limit script failed; the checks resent after "
            "NOSCRIPT fail",
            {{"connection", index_text_},
             {"reply_type", std::to_string(reply.type)},
             {"error", reply.type == REDIS_REPLY_ERROR ? std::string(reply.str, reply.len)
                                                       : std::string()}});
      }
      break;
    case command_kind::ping:
    case command_kind::checks:
      break;
  }
}

loop_clock::time_point redis_connection::reply_deadline() const {
  const in_flight_command& oldest = in_flight_.front();
  loop_clock::time_point progress = std::max(oldest.sent, *options_.last_reply);
  return std::min(progress + options_.timeout,
                  oldest.sent + options_.timeout + options_.queue_timeout);
}

loop_clock::time_point redis_connection::run_timers(loop_clock::time_point now) {
  if (pipeline_ && !in_flight_.empty() && now >= reply_deadline()) {
    const in_flight_command& oldest = in_flight_.front();
    if (now - *options_.last_reply >= options_.timeout) {
      lost_link({"timeout", "no reply within " + std::to_string(options_.timeout.count()) +
                                " ms (ratelimit.redis_timeout_ms)"});
    } else {
      lost_link({"timeout", "a command waited " + milliseconds_text(now - oldest.sent) +
                                " ms for its reply, longer than ratelimit.redis_timeout_ms + "
                                "ratelimit.redis_queue_timeout_ms, while Redis replied to "
                                "others"});
    }
  }
  if (!pipeline_) {
    if (!connecting_ && now >= backoff_.next_attempt()) {
      connecting_ = true;
      ++attempts_;
      options_.request_connect();
    }
    return connecting_ ? loop_clock::time_point::max() : backoff_.next_attempt();
  }

  if (options_.index == 0 && now >= next_key_sample_) {
    next_key_sample_ = now + options_.health_interval;
    send_simple(command_kind::dbsize, {"DBSIZE"});
  }
  if (in_flight_.empty() && now - last_activity_ >= options_.health_interval) {
    // Notices a lost connection while no check arrives, so that ready() turns false and
    // the reconnection starts before the next request.
    send_simple(command_kind::ping, {"PING"});
  }
  flush();
  if (!pipeline_) {
    return backoff_.next_attempt();
  }
  // The idle PING is due only while nothing is in flight. While a command waits, its reply
  // deadline sets the wake-up, because the PING's time may have passed and would wake the
  // loop at once every round.
  loop_clock::time_point next =
      in_flight_.empty() ? last_activity_ + options_.health_interval : reply_deadline();
  if (options_.index == 0) {
    next = std::min(next, next_key_sample_);
  }
  return next;
}

void redis_connection::connected(const std::shared_ptr<connect_result>& result) {
  connecting_ = false;
  auto now = loop_clock::now();
  if (result->error) {
    const redis_error& error = *result->error;
    options_.metrics->count_error(error.cause);
    last_error_ = error.message;
    last_error_at_ = now;
    backoff_.failed(now);
    if (attempts_ == 1) {
      logger_.error("connecting to Redis failed; retrying with backoff",
                    {{"connection", index_text_},
                     {"redis", options_.endpoint.redacted()},
                     {"cause", error.cause},
                     {"error", error.message}});
    } else {
      logger_.warning_limited("connect:" + index_text_, "reconnecting to Redis failed",
                              {{"connection", index_text_},
                               {"redis", options_.endpoint.redacted()},
                               {"attempts", std::to_string(attempts_)},
                               {"cause", error.cause},
                               {"error", error.message}});
    }
    return;
  }

  pipeline_ = std::make_unique<redis_pipeline>(result->socket.release());
  script_sha_ = result->script_sha;
  last_script_load_ = 0;
  last_activity_ = now;
  backoff_.succeeded();
  options_.open_count->fetch_add(1);
  options_.metrics->connections_open.Increment();

  if (ever_connected_) {
    options_.metrics->reconnects.Increment();
    logger_.info("reconnected to Redis", {{"connection", index_text_},
                                          {"redis", options_.endpoint.redacted()},
                                          {"attempts", std::to_string(attempts_)},
                                          {"down_ms", milliseconds_text(now - down_since_)}});
  } else {
    logger_.info("connected to Redis", {{"connection", index_text_},
                                        {"redis", options_.endpoint.redacted()},
                                        {"script_sha", script_sha_}});
  }
  ever_connected_ = true;
  attempts_ = 0;
}

void redis_connection::lost_link(const redis_error& error, bool count) {
  std::deque<in_flight_command> waiting = std::move(in_flight_);
  close();
  if (count) {
    options_.metrics->count_error(error.cause);
  }
  last_error_ = error.message;
  down_since_ = loop_clock::now();
  last_error_at_ = down_since_;
  backoff_.failed(down_since_);
  attempts_ = 0;
  logger_.warning("lost the connection to Redis; reconnecting with backoff",
                  {{"connection", index_text_},
                   {"redis", options_.endpoint.redacted()},
                   {"cause", error.cause},
                   {"error", error.message}});
  // Redis may have run these checks; their replies were not read. The failure was counted
  // once above as an operation, so the checks are not counted again.
  for (in_flight_command& command : waiting) {
    for (redis_check& check : command.checks) {
      options_.on_failure(std::move(check), error.cause, error.message);
    }
  }
}

void redis_connection::fail(redis_check&& check, const std::string& cause,
                            const std::string& error) {
  options_.metrics->count_error(cause);
  options_.on_failure(std::move(check), cause, error);
}

}  // namespace memgov::ratelimit
