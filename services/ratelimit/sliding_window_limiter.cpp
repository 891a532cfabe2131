#include "sliding_window_limiter.hpp"

#include <algorithm>

namespace memgov::ratelimit {
namespace {

constexpr std::int64_t kNanosPerSecond = 1'000'000'000;

// Rounds a positive duration up to whole seconds; 0 for a duration <= 0.
std::int64_t ceil_seconds(std::int64_t nanoseconds) {
  if (nanoseconds <= 0) {
    return 0;
  }
  return (nanoseconds + kNanosPerSecond - 1) / kNanosPerSecond;
}

}  // namespace

const char* to_string(outcome result) {
  switch (result) {
    case outcome::allowed:
      return "allowed";
    case outcome::denied:
      return "denied";
    case outcome::key_table_full:
      return "key_table_full";
    case outcome::store_unavailable:
      return "store_unavailable";
  }
  return "unknown";
}

limit_decision zero_limit_decision(std::uint32_t window_seconds) {
  limit_decision decision;
  decision.result = outcome::denied;
  decision.retry_after_seconds = std::max<std::uint32_t>(window_seconds, 1);
  // No quota comes back, so RateLimit-Reset agrees with Retry-After rather than saying 0.
  decision.reset_seconds = decision.retry_after_seconds;
  return decision;
}

std::string make_rate_key(std::string_view tenant, std::string_view actor) {
  std::string key = std::to_string(tenant.size());
  key.reserve(key.size() + 1 + tenant.size() + actor.size());
  key.push_back(':');
  key.append(tenant);
  key.append(actor);
  return key;
}

sliding_window_limiter::sliding_window_limiter(std::chrono::seconds window, std::size_t max_keys)
    : window_ns_(std::chrono::duration_cast<std::chrono::nanoseconds>(window).count()),
      window_seconds_(static_cast<std::uint32_t>(std::max<std::int64_t>(window.count(), 1))),
      max_keys_(max_keys) {}

std::uint32_t sliding_window_limiter::seconds_until_leaves(std::int64_t admitted_at,
                                                           std::int64_t now) const {
  // A request admitted at t counts while now - t < window, so it leaves at t + window.
  return static_cast<std::uint32_t>(ceil_seconds(admitted_at + window_ns_ - now));
}

limit_decision sliding_window_limiter::check(const std::string& key, std::uint32_t limit,
                                             clock_time now_time) {
  if (limit == 0) {
    // Nothing can ever be admitted, so the key is neither looked up nor tracked.
    return zero_limit_decision(window_seconds_);
  }
  std::int64_t now = now_time.count();
  limit_decision decision;
  decision.limit = limit;

  auto found = logs_.find(key);
  if (found == logs_.end()) {
    if (logs_.size() >= max_keys_) {
      decision.result = outcome::key_table_full;
      // Idle keys are expired every sweep, so room may come back at any moment.
      decision.retry_after_seconds = 1;
      return decision;
    }
    found = logs_.emplace(key, request_log{}).first;
  }

  request_log& log = found->second;
  log.drop_through(now - window_ns_);
  if (!log.empty()) {
    now = std::max(now, log.newest());
  }

  std::size_t counted = log.size();
  if (counted < limit) {
    log.push(now, limit);
    decision.result = outcome::allowed;
    decision.remaining = static_cast<std::uint32_t>(limit - counted - 1);
    decision.reset_seconds = seconds_until_leaves(log.oldest(), now);
    return decision;
  }

  // Here counted >= limit >= 1, so the log is not empty.
  decision.result = outcome::denied;
  decision.reset_seconds = seconds_until_leaves(log.oldest(), now);
  // The log may hold more than `limit` entries when the key was admitted under a larger
  // limit before (a role change). A request fits again once the count drops below `limit`,
  // which is when the entry at position counted - limit leaves.
  std::uint32_t retry = seconds_until_leaves(log.at(counted - limit), now);
  decision.retry_after_seconds = std::clamp<std::uint32_t>(retry, 1, window_seconds_);
  return decision;
}

std::size_t sliding_window_limiter::expire_idle(clock_time now) {
  std::int64_t cutoff = now.count() - window_ns_;
  std::size_t removed = 0;
  for (auto entry = logs_.begin(); entry != logs_.end();) {
    if (entry->second.empty() || entry->second.newest() <= cutoff) {
      entry = logs_.erase(entry);
      ++removed;
    } else {
      ++entry;
    }
  }
  return removed;
}

}  // namespace memgov::ratelimit
