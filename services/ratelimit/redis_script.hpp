// The server-side check-and-record script of the Redis backend and the meaning of its reply.
//
// One EVALSHA decides one request atomically: Redis runs the whole script before any other
// command, so two replicas can never both admit the last free slot of a key. The script
// reads Redis's own clock (TIME), so replicas on hosts with skewed clocks still agree. Redis
// 5 and later replicate the script's writes rather than the script, which TIME requires;
// Redis 7 does nothing else.
//
// KEYS[1]  sorted set of one tenant/actor pair: one member per admitted request, scored by
//          its admission time in microseconds of the Redis clock.
// ARGV[1]  limit, requests admitted per window, >= 1.
// ARGV[2]  window in microseconds, >= 1.
// ARGV[3]  member to add when admitted; unique per request (see member_source).
// Returns an array of five integers:
//   1  1 when admitted (and recorded), 0 when denied
//   2  requests counted in the window, this one included when admitted
//   3  now: the Redis clock at the decision, in microseconds
//   4  score of the oldest counted request, or -1 when none is counted
//   5  when denied: score of the request whose leaving admits the next one (the
//      (count - limit + 1)-th oldest); -1 when admitted
// A request counts while now - score < window; the script removes members with
// score <= now - window. Each admission sets the key to expire one window later.
//
// A sorted set stays ordered by score whatever the insertion order, so a Redis clock that
// steps back leaves the counts correct (stricter until it catches up). NOTE: the expiry is
// the exception: after a step back by d seconds a key may expire up to d seconds before its
// newest member leaves, forgetting its admissions. Reading the newest score to extend the
// expiry would cost a quarter of the script's throughput (measured with redis-benchmark on
// Redis 7.0), so it is not done.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "sliding_window_limiter.hpp"

struct redisReply;

namespace memgov::ratelimit {

std::string_view check_script();

struct script_reply {
  bool allowed = false;
  std::int64_t count = 0;
  std::int64_t now_us = 0;
  std::int64_t oldest_us = -1;
  std::int64_t blocking_us = -1;
};

// Reads a reply of the script. Returns nullopt and sets `error` when the reply has another
// shape (an error reply included).
std::optional<script_reply> parse_script_reply(const redisReply& reply, std::string& error);

// Converts a script reply to a decision: remaining, and reset / Retry-After in whole seconds
// rounded up (Retry-After at least 1 and at most the window).
limit_decision to_decision(const script_reply& reply, std::uint32_t limit, std::int64_t window_us);

}  // namespace memgov::ratelimit
