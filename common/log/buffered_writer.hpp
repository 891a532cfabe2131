// Log lines written to a file descriptor by a thread of its own, so that the thread that logs
// (an io thread, an actor) does not wait for write(2) on a slow pipe or disk.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>

namespace memgov::log {

class buffered_writer {
 public:
  // Starts the writer thread. At most `max_buffered_bytes` wait to be written; a line that
  // does not fit is dropped and counted, because blocking the caller is what this avoids.
  buffered_writer(int fd, std::size_t max_buffered_bytes);
  // Writes every buffered line, then stops the thread.
  ~buffered_writer();

  buffered_writer(const buffered_writer&) = delete;
  buffered_writer& operator=(const buffered_writer&) = delete;

  // Queues one whole line, newline included. Returns false when it was dropped. Thread-safe.
  bool push(std::string_view line);

  // Lines dropped since the start.
  std::uint64_t dropped() const { return dropped_.load(std::memory_order_relaxed); }

 private:
  void run();

  const int fd_;
  const std::size_t max_buffered_bytes_;
  std::mutex mutex_;
  std::condition_variable wake_;
  std::string pending_;
  bool stopping_ = false;
  std::atomic<std::uint64_t> dropped_{0};
  std::thread thread_;
};

}  // namespace memgov::log
