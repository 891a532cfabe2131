// Interface of the store that keeps rate limit state. It is asynchronous, so that a shared
// store (for example Redis, queried in pipelined batches) can implement it as well as the
// in-memory shards do.
#pragma once

#include <cstdint>
#include <functional>
#include <string>

#include "sliding_window_limiter.hpp"

namespace memgov::ratelimit {

// Receives the decision of one check. Runs on a thread of the backend (an actor or an I/O
// thread), so it must be quick and must not block.
using decision_callback = std::function<void(const limit_decision&)>;

class ratelimit_backend {
 public:
  virtual ~ratelimit_backend() = default;

  // Decides one request of `key` (see make_rate_key) under `limit` requests per window.
  // Calls `done` exactly once, possibly before check() returns. The exception is a check
  // still queued when stop() is called, which gets no callback. Safe from any thread.
  virtual void check(std::string key, std::uint32_t limit, decision_callback done) = 0;

  // Whether the backend can decide requests now; reported in pongs. Must be cheap.
  virtual bool ready() const = 0;

  // Stops the backend's actors. Checks after stop() get no callback.
  virtual void stop() = 0;
};

}  // namespace memgov::ratelimit
