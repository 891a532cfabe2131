#include "log/buffered_writer.hpp"

#include <unistd.h>

#include <cerrno>

namespace memgov::log {
namespace {

// Writes all of `data`, retrying after signals and short writes. A failing descriptor loses
// the rest, as a log line that cannot be written has nowhere else to go.
void write_all(int fd, const std::string& data) {
  std::size_t written = 0;
  while (written < data.size()) {
    ssize_t n = ::write(fd, data.data() + written, data.size() - written);
    if (n < 0 && errno == EINTR) {
      continue;
    }
    if (n <= 0) {
      return;
    }
    written += static_cast<std::size_t>(n);
  }
}

}  // namespace

buffered_writer::buffered_writer(int fd, std::size_t max_buffered_bytes)
    : fd_(fd), max_buffered_bytes_(max_buffered_bytes), thread_([this] { run(); }) {}

buffered_writer::~buffered_writer() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_one();
  thread_.join();
}

bool buffered_writer::push(std::string_view line) {
  bool was_empty = false;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (pending_.size() + line.size() > max_buffered_bytes_) {
      dropped_.fetch_add(1, std::memory_order_relaxed);
      return false;
    }
    was_empty = pending_.empty();
    pending_.append(line);
  }
  if (was_empty) {
    wake_.notify_one();
  }
  return true;
}

void buffered_writer::run() {
  std::string batch;
  std::unique_lock<std::mutex> lock(mutex_);
  for (;;) {
    wake_.wait(lock, [this] { return stopping_ || !pending_.empty(); });
    if (pending_.empty()) {
      return;  // Stopping, and everything is written.
    }
    batch.clear();
    batch.swap(pending_);
    lock.unlock();
    write_all(fd_, batch);
    lock.lock();
  }
}

}  // namespace memgov::log
