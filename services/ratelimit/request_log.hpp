// The admission times of one key, oldest first, in a ring buffer.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace memgov::ratelimit {

class request_log {
 public:
  std::size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }

  // Returns the i-th oldest time (0 is the oldest). Requires i < size().
  std::int64_t at(std::size_t i) const { return slots_[(head_ + i) % slots_.size()]; }
  std::int64_t oldest() const { return at(0); }
  std::int64_t newest() const { return at(size_ - 1); }

  // Appends a time that is not older than newest(). The buffer grows by doubling but never
  // beyond `max_size` slots, so a key costs at most its limit in timestamps. Requires
  // size() < max_size.
  void push(std::int64_t time, std::size_t max_size);

  // Removes every time at or before `cutoff`.
  void drop_through(std::int64_t cutoff);

  std::size_t capacity() const { return slots_.size(); }

 private:
  void grow(std::size_t max_size);

  std::vector<std::int64_t> slots_;
  std::size_t head_ = 0;
  std::size_t size_ = 0;
};

}  // namespace memgov::ratelimit
