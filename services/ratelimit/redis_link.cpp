#include "redis_link.hpp"

#include <sys/time.h>

#include <algorithm>
#include <cstring>

#include <hiredis/hiredis.h>

namespace memgov::ratelimit {
namespace {

timeval to_timeval(std::chrono::milliseconds timeout) {
  timeval value{};
  value.tv_sec = static_cast<time_t>(timeout.count() / 1000);
  value.tv_usec = static_cast<suseconds_t>((timeout.count() % 1000) * 1000);
  return value;
}

bool is_error_reply(const redisReply& reply, std::string_view prefix) {
  return reply.type == REDIS_REPLY_ERROR &&
         std::string_view(reply.str, reply.len).substr(0, prefix.size()) == prefix;
}

std::string reply_text(const redisReply& reply) {
  if (reply.type == REDIS_REPLY_ERROR || reply.type == REDIS_REPLY_STATUS ||
      reply.type == REDIS_REPLY_STRING) {
    return std::string(reply.str, reply.len);
  }
  return "reply of type " + std::to_string(reply.type);
}

}  // namespace

void reply_deleter::operator()(redisReply* reply) const {
  freeReplyObject(reply);
}

redis_link::redis_link(redis_endpoint endpoint, std::chrono::milliseconds timeout,
                       std::chrono::microseconds window)
    : endpoint_(std::move(endpoint)),
      timeout_(timeout),
      window_text_(std::to_string(window.count())) {}

redis_link::~redis_link() {
  close();
}

void redis_link::close() {
  if (context_ != nullptr) {
    redisFree(context_);
    context_ = nullptr;
  }
}

int redis_link::release_socket() {
  if (context_ == nullptr) {
    return -1;
  }
  int fd = redisFreeKeepFd(context_);
  context_ = nullptr;
  return fd;
}

redis_error redis_link::take_error(const char* during) {
  redis_error error;
  if (context_ == nullptr) {
    return {"not_connected", std::string("not connected to Redis (") + during + ")"};
  }
  std::string text = context_->errstr;
  switch (context_->err) {
    case REDIS_ERR_EOF:
      error.cause = "closed";
      break;
    case REDIS_ERR_PROTOCOL:
      error.cause = "protocol";
      break;
    case REDIS_ERR_IO:
      // hiredis stores strerror(errno); a socket timeout (SO_RCVTIMEO) reads as EAGAIN.
      error.cause =
          (text == std::strerror(EAGAIN) || text == std::strerror(EWOULDBLOCK)) ? "timeout" : "io";
      break;
    default:
      error.cause = "io";
      break;
  }
  if (error.cause == "timeout") {
    text =
        "no reply within " + std::to_string(timeout_.count()) + " ms (ratelimit.redis_timeout_ms)";
  }
  error.message = std::string(during) + " failed: " + text;
  close();
  return error;
}

std::optional<redis_error> redis_link::connect() {
  close();
  context_ = redisConnectWithTimeout(endpoint_.host.c_str(), endpoint_.port, to_timeval(timeout_));
  if (context_ == nullptr) {
    return redis_error{"connect", "connecting to " + endpoint_.redacted() +
                                      " failed: hiredis could not allocate a context"};
  }
  if (context_->err != 0) {
    redis_error error{"connect",
                      "connecting to " + endpoint_.redacted() + " failed: " + context_->errstr};
    close();
    return error;
  }
  if (redisSetTimeout(context_, to_timeval(timeout_)) != REDIS_OK) {
    return take_error("setting the socket timeout");
  }
  redisEnableKeepAlive(context_);

  redis_error error;
  if (!endpoint_.password.empty()) {
    reply_ptr reply = endpoint_.username.empty()
                          ? command({"AUTH", endpoint_.password}, error)
                          : command({"AUTH", endpoint_.username, endpoint_.password}, error);
    if (!reply) {
      return error;
    }
    if (reply->type == REDIS_REPLY_ERROR) {
      close();
      return redis_error{"auth", "Redis rejected AUTH: " + reply_text(*reply)};
    }
  }
  if (endpoint_.database != 0) {
    reply_ptr reply = command({"SELECT", std::to_string(endpoint_.database)}, error);
    if (!reply) {
      return error;
    }
    if (reply->type == REDIS_REPLY_ERROR) {
      close();
      return redis_error{"connect", "Redis rejected SELECT " + std::to_string(endpoint_.database) +
                                        ": " + reply_text(*reply)};
    }
  }
  if (std::optional<redis_error> not_primary = check_primary()) {
    return not_primary;
  }
  if (std::optional<redis_error> not_loaded = load_script()) {
    return not_loaded;
  }
  return probe_script();
}

std::optional<redis_error> redis_link::check_primary() {
  redis_error error;
  reply_ptr reply = command({"ROLE"}, error);
  if (!reply) {
    return error;
  }
  // A user whose ACL forbids ROLE is not checked here; the probe run and READONLY replies
  // still catch a replica.
  if (reply->type != REDIS_REPLY_ARRAY || reply->elements == 0 ||
      reply->element[0]->type != REDIS_REPLY_STRING) {
    return std::nullopt;
  }
  std::string role(reply->element[0]->str, reply->element[0]->len);
  if (role == "master") {
    return std::nullopt;
  }
  close();
  return redis_error{"connect", "Redis at " + endpoint_.redacted() + " has the role '" + role +
                                    "' (ROLE), so it cannot record requests; the URL must name "
                                    "the primary"};
}

std::optional<redis_error> redis_link::probe_script() {
  // The script with no keys decides nothing and writes nothing. It fails when the user may
  // not run scripts (NOPERM), and blocks while Redis pauses writes (CLIENT PAUSE WRITE), so a
  // connection that could not decide a check is not counted as open.
  redis_error error;
  reply_ptr reply = command({"EVALSHA", script_sha_, "0", window_text_}, error);
  if (!reply) {
    return error;
  }
  if (is_error_reply(*reply, "NOPERM")) {
    close();
    return redis_error{"auth", "the Redis user may not run the rate limit script (" +
                                   reply_text(*reply) + "); allow EVALSHA, EVAL and SCRIPT"};
  }
  if (reply->type != REDIS_REPLY_ARRAY || reply->elements != 0) {
    close();
    return redis_error{"script_load",
                       "a test run of the rate limit script failed: " + reply_text(*reply)};
  }
  return std::nullopt;
}

std::optional<redis_error> redis_link::load_script() {
  redis_error error;
  reply_ptr reply = command({"SCRIPT", "LOAD", check_script()}, error);
  if (!reply) {
    return error;
  }
  if (is_error_reply(*reply, "NOAUTH")) {
    close();
    return redis_error{"auth", "Redis requires a password (" + reply_text(*reply) +
                                   "); put it in the URL: redis://:PASSWORD@host:port/db"};
  }
  if (reply->type != REDIS_REPLY_STRING) {
    close();
    return redis_error{"script_load",
                       "SCRIPT LOAD of the rate limit script failed: " + reply_text(*reply)};
  }
  script_sha_.assign(reply->str, reply->len);
  return std::nullopt;
}

void redis_link::append(const std::vector<std::string_view>& args) {
  if (context_ == nullptr) {
    return;
  }
  std::vector<const char*> pointers;
  std::vector<std::size_t> lengths;
  pointers.reserve(args.size());
  lengths.reserve(args.size());
  for (std::string_view arg : args) {
    pointers.push_back(arg.data());
    lengths.push_back(arg.size());
  }
  redisAppendCommandArgv(context_, static_cast<int>(args.size()), pointers.data(), lengths.data());
}

void redis_link::append(std::initializer_list<std::string_view> args) {
  append(std::vector<std::string_view>(args));
}

reply_ptr redis_link::read_reply(redis_error& error) {
  if (context_ == nullptr) {
    error = take_error("reading a reply");
    return nullptr;
  }
  void* raw = nullptr;
  if (redisGetReply(context_, &raw) != REDIS_OK || raw == nullptr) {
    error = take_error("reading a reply");
    return nullptr;
  }
  return reply_ptr(static_cast<redisReply*>(raw));
}

reply_ptr redis_link::command(std::initializer_list<std::string_view> args, redis_error& error) {
  if (context_ == nullptr) {
    error = take_error("sending a command");
    return nullptr;
  }
  append(args);
  return read_reply(error);
}

void redis_link::append_checks(const std::vector<script_call>& calls, std::size_t begin,
                               std::size_t end) {
  std::size_t count = end - begin;
  limit_texts_.resize(count);
  argv_.clear();
  lengths_.clear();
  auto add = [this](std::string_view part) {
    argv_.push_back(part.data());
    lengths_.push_back(part.size());
  };
  std::string key_count = std::to_string(count);
  add("EVALSHA");
  add(script_sha_);
  add(key_count);
  for (std::size_t i = begin; i < end; ++i) {
    add(calls[i].key);
  }
  add(window_text_);
  for (std::size_t i = begin; i < end; ++i) {
    limit_texts_[i - begin] = std::to_string(calls[i].limit);
    add(limit_texts_[i - begin]);
    add(calls[i].member);
  }
  redisAppendCommandArgv(context_, static_cast<int>(argv_.size()), argv_.data(), lengths_.data());
}

std::optional<redis_error> redis_link::run_checks(const std::vector<script_call>& calls,
                                                  std::vector<script_outcome>& outcomes) {
  outcomes.assign(calls.size(), script_outcome{});
  // Runs as the index of their first call; run r covers [r, min(r + per_run, size)).
  const std::size_t per_run = checks_per_script_;
  std::vector<std::size_t> pending;
  for (std::size_t begin = 0; begin < calls.size(); begin += per_run) {
    pending.push_back(begin);
  }
  auto run_end = [&](std::size_t begin) { return std::min(begin + per_run, calls.size()); };
  auto fail_runs = [&](const std::vector<std::size_t>& runs, std::size_t from,
                       const std::string& message) {
    for (std::size_t n = from; n < runs.size(); ++n) {
      for (std::size_t i = runs[n]; i < run_end(runs[n]); ++i) {
        outcomes[i].error = message;
      }
    }
  };

  // The second round only resends the runs that met NOSCRIPT in the first.
  for (int round = 0; round < 2 && !pending.empty(); ++round) {
    if (context_ == nullptr) {
      redis_error error = take_error("sending the rate limit script");
      fail_runs(pending, 0, error.message);
      return error;
    }
    for (std::size_t begin : pending) {
      append_checks(calls, begin, run_end(begin));
    }
    std::vector<std::size_t> lost_script;
    for (std::size_t n = 0; n < pending.size(); ++n) {
      std::size_t begin = pending[n];
      std::size_t end = run_end(begin);
      redis_error error;
      reply_ptr reply = read_reply(error);
      if (!reply) {
        fail_runs(pending, n, error.message);
        return error;
      }
      if (round == 0 && is_error_reply(*reply, "NOSCRIPT")) {
        lost_script.push_back(begin);
        continue;
      }
      read_run_reply(*reply, outcomes.data() + begin, end - begin);
    }
    if (!lost_script.empty()) {
      ++script_reloads_;
      if (std::optional<redis_error> error = load_script()) {
        fail_runs(lost_script, 0, error->message);
        return error;
      }
    }
    pending = std::move(lost_script);
  }
  return std::nullopt;
}

}  // namespace memgov::ratelimit
