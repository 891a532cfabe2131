// The server-side check-and-record script of the Redis backend and the meaning of its reply.
//
// One EVALSHA decides a batch of requests, each atomically: Redis runs the whole script
// before any other command, so two replicas can never both admit the last free slot of a key.
// Deciding many requests per call spreads the cost of the call and of the clock reading over
// the batch. Per request, the script runs only the sorted-set commands. The script reads
// Redis's own clock (TIME) once per call, so replicas on hosts with skewed clocks still agree,
// and requests decided in one call share that time. Redis 5 and later replicate the script's
// writes rather than the script, which TIME requires; Redis 7 does nothing else.
//
// KEYS[i]      sorted set of one tenant/actor pair: one member per admitted request, scored by
//              its admission time in microseconds of the Redis clock. A key may appear more
//              than once; its requests are decided in KEYS order.
// ARGV[1]      window in microseconds, >= 1.
// ARGV[2i]     limit of request i, requests admitted per window, >= 1.
// ARGV[2i+1]   member to add when request i is admitted; unique per request (see
//              member_source).
// Returns an array with one element per key. The element is an error reply when Redis
// rejected a command on that key (WRONGTYPE, for instance), and then nothing changed for it.
// Otherwise it is an array of five integers:
//   1  1 when admitted (and recorded), 0 when denied
//   2  requests counted in the window, this one included when admitted
//   3  now: the Redis clock at the decision, in microseconds
//   4  score of the oldest counted request, or -1 when none is counted
//   5  when denied: score of the request whose leaving admits the next one (the
//      (count - limit + 1)-th oldest); -1 when admitted
// A request counts while now - score < window; the script removes members with
// score <= now - window. Each admission sets the key to expire one window later.
//
// NOTE: all keys of one call must live on one Redis server; Redis Cluster, which requires the
// keys of a script to share a hash slot, is not supported. Hash-tagging keys by tenant and
// grouping a batch by slot would remove this.
//
// A sorted set stays ordered by score whatever the insertion order, so a Redis clock that
// steps back leaves the counts correct (stricter until it catches up). NOTE: the expiry is
// the exception: after a step back by d seconds a key may expire up to d seconds before its
// newest member leaves, forgetting its admissions. Reading the newest score to extend the
// expiry would cost a quarter of the script's throughput (measured with redis-benchmark on
// Redis 7.0), so it is not done.
#pragma once

#include <cstddef>
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

struct script_call {
  std::string key;  // Whole Redis key, prefix included.
  std::uint32_t limit = 1;
  std::string member;
};

enum class script_status {
  ok,            // `reply` contains the script's result.
  server_error,  // Redis replied with an error (or an unreadable reply); see `error`.
  not_answered,  // The link failed before the reply was read; see `error`.
};

struct script_outcome {
  script_status status = script_status::not_answered;
  script_reply reply;
  std::string error;
};

// Stores in outcomes[0, count) the outcomes of the `count` requests of one script run, from
// the run's reply: one element per request, or an error reply for the whole run.
void read_run_reply(const redisReply& reply, script_outcome* outcomes, std::size_t count);

// Reads one element of the script's reply: the decision of one request. Returns nullopt and
// sets `error` when the element has another shape (an error reply included).
std::optional<script_reply> parse_script_reply(const redisReply& reply, std::string& error);

// Converts a script reply to a decision: remaining, and reset / Retry-After in whole seconds
// rounded up (Retry-After at least 1 and at most the window).
limit_decision to_decision(const script_reply& reply, std::uint32_t limit, std::int64_t window_us);

}  // namespace memgov::ratelimit
