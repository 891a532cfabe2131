// An eventfd that wakes a thread blocked in zmq_poll when another thread has
// put work in its actor's mailbox.
//
// Only the first notify() after a clear() writes to the eventfd. Under load many messages
// arrive per wake, and each further write would be a system call with no effect.
#pragma once

#include <atomic>

namespace memgov::transport {

class wakeup {
 public:
  wakeup();
  ~wakeup();
  wakeup(const wakeup&) = delete;
  wakeup& operator=(const wakeup&) = delete;

  // Makes fd() readable. Safe from any thread. Call after putting the work in the
  // mailbox.
  void notify();

  // Makes fd() unreadable again. Call from the waiting thread before it
  // drains its mailbox, so a notify() that races with the drain is kept.
  void clear();

  int fd() const { return fd_; }

 private:
  int fd_;
  // True from the notify() that wrote to the eventfd until the next clear().
  std::atomic<bool> signalled_{false};
};

}  // namespace memgov::transport
