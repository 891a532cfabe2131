// The clock of the limiter, injected so that tests set the time exactly.
#pragma once

#include <chrono>

namespace memgov::ratelimit {

// Nanoseconds since an arbitrary, fixed epoch. Only differences matter.
using clock_time = std::chrono::nanoseconds;

class time_source {
 public:
  virtual ~time_source() = default;

  // Returns the current time. Must never go backwards and must be safe to call from any
  // thread.
  virtual clock_time now() const = 0;
};

// std::chrono::steady_clock, the clock of a running service.
class steady_time_source final : public time_source {
 public:
  clock_time now() const override {
    return std::chrono::duration_cast<clock_time>(
        std::chrono::steady_clock::now().time_since_epoch());
  }
};

}  // namespace memgov::ratelimit
