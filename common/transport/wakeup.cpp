#include "transport/wakeup.hpp"

#include <sys/eventfd.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstring>
#include <stdexcept>
#include <string>

namespace memgov::transport {

wakeup::wakeup() : fd_(::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC)) {
  if (fd_ < 0) {
    throw std::runtime_error(std::string("eventfd failed: ") + std::strerror(errno));
  }
}

wakeup::~wakeup() {
  ::close(fd_);
}

void wakeup::notify() {
  // The fence orders the caller's mailbox write before the flag is read. With the fence in
  // clear(), either this call reads the cleared flag and writes, or the waiter's drain, which
  // starts after its clear(), reads the caller's message.
  std::atomic_thread_fence(std::memory_order_seq_cst);
  if (signalled_.exchange(true, std::memory_order_seq_cst)) {
    return;  // A write since the last clear() has not been consumed: the fd is readable.
  }
  std::uint64_t one = 1;
  // A full counter (EAGAIN) still leaves the fd readable, which is all we need.
  ssize_t ignored = ::write(fd_, &one, sizeof(one));
  (void)ignored;
}

void wakeup::clear() {
  std::uint64_t value = 0;
  ssize_t ignored = ::read(fd_, &value, sizeof(value));
  (void)ignored;
  signalled_.store(false, std::memory_order_seq_cst);
  std::atomic_thread_fence(std::memory_order_seq_cst);
}

}  // namespace memgov::transport
