// An eventfd that wakes a thread blocked in zmq_poll when another thread has
// put work in its actor's mailbox.
#pragma once

namespace memgov::transport {

class wakeup {
 public:
  wakeup();
  ~wakeup();
  wakeup(const wakeup&) = delete;
  wakeup& operator=(const wakeup&) = delete;

  // Makes fd() readable. Safe from any thread.
  void notify();

  // Makes fd() unreadable again. Call from the waiting thread before it
  // drains its mailbox, so a notify() that races with the drain is kept.
  void clear();

  int fd() const { return fd_; }

 private:
  int fd_;
};

}  // namespace memgov::transport
