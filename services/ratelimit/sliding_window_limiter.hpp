// An exact sliding-window log limiter: each key keeps the times of the requests it admitted
// within the last window, and a request is admitted while fewer than `limit` are kept.
//
// Pure and single-threaded: the caller passes the time and owns the synchronization (one
// limiter per shard actor).
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>

#include "request_log.hpp"
#include "time_source.hpp"

namespace memgov::ratelimit {

enum class outcome {
  allowed,
  denied,          // The key already has `limit` requests in the window.
  key_table_full,  // A new key arrived while max_keys keys are tracked; denied.
  // The shared store (Redis) did not decide and the failure mode is closed. The request is
  // rejected with an error, not a 429, and limit_decision::error contains the cause.
  store_unavailable,
};

// Number of outcome values, for tables indexed by outcome.
inline constexpr std::size_t kOutcomeCount = 4;

const char* to_string(outcome result);

struct limit_decision {
  outcome result = outcome::denied;
  std::uint32_t limit = 0;
  // Requests the key may still make in the window, after this one.
  std::uint32_t remaining = 0;
  // Whole seconds, rounded up, until the oldest counted request leaves the window; 0 when
  // the key has no counted request.
  std::uint32_t reset_seconds = 0;
  // Set only when not allowed: whole seconds, rounded up, until a request would be
  // admitted. Always in 1..window.
  std::uint32_t retry_after_seconds = 0;
  // Why the store failed; set only with outcome::store_unavailable.
  std::string error;

  bool allowed() const { return result == outcome::allowed; }
};

// Returns the decision for a limit of 0 under a window of `window_seconds`: denied, with a
// Retry-After of the whole window because no request can ever be admitted. Both backends
// return it without looking at the key.
limit_decision zero_limit_decision(std::uint32_t window_seconds);

// Builds the map key of a tenant and an actor. The tenant is length-prefixed, so
// ("a:b", "c") and ("a", "b:c") never share a key whatever characters the names contain.
std::string make_rate_key(std::string_view tenant, std::string_view actor);

class sliding_window_limiter {
 public:
  // `window` must be at least one second. At most `max_keys` keys are tracked at once.
  sliding_window_limiter(std::chrono::seconds window, std::size_t max_keys);

  // Decides one request of `key` at time `now` and counts it when admitted. A denied
  // request is not counted. A `now` older than the key's newest admission is treated as
  // that admission's time, so a clock step backwards cannot unsort the log.
  limit_decision check(const std::string& key, std::uint32_t limit, clock_time now);

  // Removes every key whose requests have all left the window; returns how many.
  std::size_t expire_idle(clock_time now);

  std::size_t keys_tracked() const { return logs_.size(); }

 private:
  std::uint32_t seconds_until_leaves(std::int64_t admitted_at, std::int64_t now) const;

  std::int64_t window_ns_;
  std::uint32_t window_seconds_;
  std::size_t max_keys_;
  std::unordered_map<std::string, request_log> logs_;
};

}  // namespace memgov::ratelimit
