// A poll loop that one detached CAF actor runs for the ZeroMQ sockets and file descriptors of
// several sources. A stage that serves requests and talks to a dependency on the same loop
// decides a request without handing it to another thread. The handler queues the work, the
// loop sends it at the end of the round, and the reply goes out on the thread that reads it.
//
// Sources are added before start(). Other threads reach the loop with post(), which puts a
// task in the actor's mailbox and wakes the poll.
#pragma once

#include <atomic>
#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include <zmq.hpp>

namespace caf {
class actor_system;
}

namespace memgov::transport {

using loop_clock = std::chrono::steady_clock;

// One participant of an event_loop. Every member function runs on the loop thread.
class poll_source {
 public:
  virtual ~poll_source() = default;

  // Appends the sockets and descriptors to poll next. Called before every poll.
  virtual void add_poll_items(std::vector<zmq::pollitem_t>& items) = 0;

  // Handles what the poll reported for the `count` items this source added, in their order.
  virtual void handle_poll_items(const zmq::pollitem_t* items, std::size_t count) = 0;

  // Sends what the round queued. Runs after every source handled its items and the posted
  // tasks ran, before the next poll.
  virtual void flush() {}

  // Runs the timers due at `now` and returns the time the loop has to wake up next for
  // this source (time_point::max() for none).
  virtual loop_clock::time_point run_timers(loop_clock::time_point now) {
    (void)now;
    return loop_clock::time_point::max();
  }

  // Runs once on the loop thread when the loop stops, after its last round.
  virtual void on_stop() {}
};

class loop_core;

// A handle: copies refer to the same loop, which runs from start() until stop(), also when
// every handle is gone.
class event_loop {
 public:
  using task = std::function<void()>;

  // `name` appears in logs.
  event_loop(caf::actor_system& system, std::string name);

  // Adds a source. Only before start().
  void add(std::shared_ptr<poll_source> source);

  // Spawns the actor that runs the loop. Once only.
  void start();

  // Runs `work` on the loop thread, in the order posted. Safe from any thread once start()
  // has returned. Tasks posted after stop() are dropped.
  void post(task work) const;

  // Whether the caller runs on the loop thread, where sources may be used directly.
  bool on_loop_thread() const;

  // Makes the loop finish its round, call on_stop() of every source and end. Tasks still
  // queued are dropped. Safe from any thread, and returns without waiting.
  void stop();

 private:
  caf::actor_system* system_;
  std::shared_ptr<loop_core> core_;
};

}  // namespace memgov::transport
