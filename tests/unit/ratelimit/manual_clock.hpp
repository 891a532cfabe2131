// A time_source that tests move by hand.
#pragma once

#include <atomic>
#include <cmath>
#include <cstdint>

#include "time_source.hpp"

namespace memgov::ratelimit::testing {

// Converts seconds (fractions allowed) to clock_time.
inline clock_time at_seconds(double seconds) {
  return clock_time(static_cast<std::int64_t>(std::llround(seconds * 1e9)));
}

class manual_clock final : public time_source {
 public:
  clock_time now() const override { return clock_time(now_ns_.load()); }
  void set_seconds(double seconds) { now_ns_.store(at_seconds(seconds).count()); }

 private:
  std::atomic<std::int64_t> now_ns_{0};
};

}  // namespace memgov::ratelimit::testing
