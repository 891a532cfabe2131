#include "request_log.hpp"

#include <algorithm>

namespace memgov::ratelimit {

void request_log::push(std::int64_t time, std::size_t max_size) {
  if (size_ == slots_.size()) {
    grow(max_size);
  }
  slots_[(head_ + size_) % slots_.size()] = time;
  ++size_;
}

void request_log::drop_through(std::int64_t cutoff) {
  while (size_ > 0 && oldest() <= cutoff) {
    head_ = (head_ + 1) % slots_.size();
    --size_;
  }
  if (size_ == 0) {
    head_ = 0;
  }
}

void request_log::grow(std::size_t max_size) {
  std::size_t wanted = std::max<std::size_t>(4, slots_.size() * 2);
  wanted = std::min(wanted, std::max<std::size_t>(max_size, 1));
  if (wanted <= slots_.size()) {
    // The caller broke the size() < max_size contract; make room for one more rather than
    // write out of bounds.
    wanted = slots_.size() + 1;
  }
  std::vector<std::int64_t> larger(wanted);
  for (std::size_t i = 0; i < size_; ++i) {
    larger[i] = at(i);
  }
  slots_ = std::move(larger);
  head_ = 0;
}

}  // namespace memgov::ratelimit
