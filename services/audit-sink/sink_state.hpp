// State shared by the request handler (socket thread), the log writer and the drainer.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <map>
#include <mutex>

#include <caf/actor.hpp>

namespace memgov::audit {

class sink_state {
 public:
  explicit sink_state(std::uint64_t budget_bytes) : budget_bytes(budget_bytes) {}

  // Set once the log is open and the actors run; until then the handler rejects records.
  // `writer` is assigned before `started` becomes true and never changes afterwards.
  std::atomic<bool> started{false};
  caf::actor writer;

  const std::uint64_t budget_bytes;                // audit.wal_budget_bytes.
  std::atomic<bool> log_healthy{false};            // The last log write succeeded.
  std::atomic<bool> database_up{false};            // The drainer's last statement succeeded.
  std::atomic<std::size_t> queued{0};              // Records sent to the writer and not yet taken.
  std::atomic<std::uint64_t> disk_bytes{0};        // Bytes of all live segment files.
  std::atomic<std::uint64_t> last_sequence{0};     // Last sequence made durable in the log.
  std::atomic<std::uint64_t> drained_sequence{0};  // Last sequence committed to PostgreSQL.
  // Set by the drainer before it waits; the writer that clears it sends the drainer a wake.
  std::atomic<bool> drainer_waiting{false};
  // disk_bytes after the writer last rejected a record that did not fit the budget, or 0 once
  // a group fits again. The log counts as full until the drainer frees space below it.
  std::atomic<std::uint64_t> budget_full_at{0};

  // Records the durable size of a live segment (the writer, after each fdatasync).
  void set_segment_size(std::uint64_t segment, std::uint64_t size) {
    std::lock_guard<std::mutex> lock(mutex_);
    std::uint64_t& known = segments_[segment];
    disk_bytes.fetch_add(size - known, std::memory_order_relaxed);
    known = size;
  }

  // Forgets a deleted segment (the drainer) and returns its size.
  std::uint64_t remove_segment(std::uint64_t segment) {
    std::lock_guard<std::mutex> lock(mutex_);
    auto it = segments_.find(segment);
    if (it == segments_.end()) {
      return 0;
    }
    std::uint64_t size = it->second;
    disk_bytes.fetch_sub(size, std::memory_order_relaxed);
    segments_.erase(it);
    return size;
  }

  // Durable size of every live segment; all but the last are complete.
  std::map<std::uint64_t, std::uint64_t> segments() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return segments_;
  }

 private:
  mutable std::mutex mutex_;
  std::map<std::uint64_t, std::uint64_t> segments_;
};

}  // namespace memgov::audit
