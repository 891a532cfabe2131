#include "access_log.hpp"

#include <unistd.h>

#include <cstdio>
#include <string>

#include <prometheus/counter.h>

namespace memgov::ingress {
namespace {

// Lines waiting for stderr, at most, in bytes: about 10,000 lines of 400 bytes. A reader of
// stderr that falls this far behind loses lines instead of slowing the gateway down.
constexpr std::size_t kBufferBytes = 4 * 1024 * 1024;

}  // namespace

access_log::access_log(bool enabled, prometheus::Counter& dropped) : dropped_(dropped) {
  if (enabled) {
    writer_ = std::make_unique<log::buffered_writer>(STDERR_FILENO, kBufferBytes);
  }
}

void access_log::record(const access_entry& entry) {
  if (!writer_ || !logger_.enabled(log::level::info)) {
    return;
  }
  char latency[32];
  std::snprintf(latency, sizeof latency, "%.3f", entry.latency_ms);
  std::string status = std::to_string(entry.status);
  std::string line = log::format_line(log::level::info, "access", "request completed",
                                      {{"request_id", entry.request_id},
                                       {"tenant", entry.tenant},
                                       {"actor", entry.actor},
                                       {"route", entry.route},
                                       {"action", entry.action},
                                       {"method", entry.method},
                                       {"path", entry.path},
                                       {"decision", entry.decision},
                                       {"reason", entry.reason},
                                       {"status", status},
                                       {"latency_ms", latency}});
  if (!writer_->push(line)) {
    dropped_.Increment();
    logger_.warning_limited("dropped", "access log buffer full; dropping lines",
                            {{"dropped_total", std::to_string(writer_->dropped())}});
  }
}

}  // namespace memgov::ingress
