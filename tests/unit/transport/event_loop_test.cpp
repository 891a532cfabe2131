// The event loop's contract: posted tasks run on the loop thread in order, a source's
// descriptors are polled and handled before its flush, timers wake the loop, and on_stop()
// runs once when the loop stops.
#include <gtest/gtest.h>

#include <sys/eventfd.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <future>
#include <mutex>
#include <thread>
#include <vector>

#include "runtime/actor_runtime.hpp"
#include "transport/event_loop.hpp"

namespace memgov::transport {
namespace {

using namespace std::chrono_literals;

// Polls an eventfd the test writes to, and records on the loop thread what the loop did.
class recording_source : public poll_source {
 public:
  recording_source() : fd_(::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC)) {}
  ~recording_source() override { ::close(fd_); }

  void make_readable() {
    std::uint64_t increment = 1;
    ASSERT_EQ(::write(fd_, &increment, sizeof(increment)), static_cast<ssize_t>(sizeof(increment)));
  }

  void add_poll_items(std::vector<zmq::pollitem_t>& items) override {
    items.push_back({nullptr, fd_, ZMQ_POLLIN, 0});
  }

  void handle_poll_items(const zmq::pollitem_t* items, std::size_t count) override {
    if (count == 1 && (items[0].revents & ZMQ_POLLIN)) {
      std::uint64_t value = 0;
      ssize_t ignored = ::read(fd_, &value, sizeof(value));
      (void)ignored;
      record("read");
      read_since_flush_ = true;
    }
  }

  void flush() override {
    if (read_since_flush_) {
      read_since_flush_ = false;
      record("flush");
    }
  }

  loop_clock::time_point run_timers(loop_clock::time_point now) override {
    if (timer_at_ != loop_clock::time_point::max() && now >= timer_at_) {
      timer_at_ = loop_clock::time_point::max();
      record("timer");
    }
    return timer_at_;
  }

  void on_stop() override { record("stop"); }

  // Loop thread only.
  void set_timer(loop_clock::time_point at) { timer_at_ = at; }

  std::vector<std::string> events() {
    std::lock_guard<std::mutex> lock(mutex_);
    return events_;
  }

  bool wait_for(const std::string& event, std::chrono::milliseconds timeout = 3000ms) {
    auto deadline = loop_clock::now() + timeout;
    while (loop_clock::now() < deadline) {
      for (const std::string& seen : events()) {
        if (seen == event) {
          return true;
        }
      }
      std::this_thread::sleep_for(1ms);
    }
    return false;
  }

 private:
  void record(std::string event) {
    std::lock_guard<std::mutex> lock(mutex_);
    events_.push_back(std::move(event));
  }

  int fd_;
  bool read_since_flush_ = false;
  loop_clock::time_point timer_at_ = loop_clock::time_point::max();
  std::mutex mutex_;
  std::vector<std::string> events_;
};

class EventLoopTest : public ::testing::Test {
 protected:
  void TearDown() override {
    loop_.stop();
    runtime_.system().await_all_actors_done();
  }

  runtime::actor_runtime runtime_{1};
  event_loop loop_{runtime_.system(), "test"};
};

TEST_F(EventLoopTest, PostedTasksRunInOrderOnLoopThread) {
  loop_.start();
  EXPECT_FALSE(loop_.on_loop_thread());
  std::vector<int> order;
  std::promise<bool> done;
  for (int i = 0; i < 100; ++i) {
    loop_.post([&, i] {
      if (!loop_.on_loop_thread()) {
        ADD_FAILURE() << "task " << i << " ran on another thread";
      }
      order.push_back(i);
      if (i == 99) {
        done.set_value(true);
      }
    });
  }
  ASSERT_EQ(done.get_future().wait_for(3s), std::future_status::ready);
  ASSERT_EQ(order.size(), 100u);
  for (int i = 0; i < 100; ++i) {
    EXPECT_EQ(order[static_cast<std::size_t>(i)], i);
  }
}

TEST_F(EventLoopTest, ReadableSourceIsHandledThenFlushed) {
  auto source = std::make_shared<recording_source>();
  loop_.add(source);
  loop_.start();
  source->make_readable();
  ASSERT_TRUE(source->wait_for("flush"));
  std::vector<std::string> events = source->events();
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[0], "read");
  EXPECT_EQ(events[1], "flush");
}

TEST_F(EventLoopTest, TimerWakesIdleLoop) {
  auto source = std::make_shared<recording_source>();
  loop_.add(source);
  loop_.start();
  auto started = loop_clock::now();
  loop_.post([source] { source->set_timer(loop_clock::now() + 20ms); });
  ASSERT_TRUE(source->wait_for("timer"));
  // Well under the loop's 500 ms idle wake-up, so the timer, not the idle wake, ran it.
  EXPECT_LT(loop_clock::now() - started, 400ms);
}

TEST_F(EventLoopTest, StopRunsOnStopOnce) {
  auto source = std::make_shared<recording_source>();
  loop_.add(source);
  loop_.start();
  loop_.stop();
  ASSERT_TRUE(source->wait_for("stop"));
  std::atomic<bool> ran{false};
  loop_.post([&] { ran = true; });
  std::this_thread::sleep_for(50ms);
  EXPECT_FALSE(ran.load());
  runtime_.system().await_all_actors_done();
  std::vector<std::string> events = source->events();
  EXPECT_EQ(std::count(events.begin(), events.end(), "stop"), 1);
}

// A source whose first round starts work that another thread completes at once, as the Redis
// backend's connector does.
class posting_source : public poll_source {
 public:
  explicit posting_source(event_loop loop) : loop_(std::move(loop)) {}

  void add_poll_items(std::vector<zmq::pollitem_t>&) override {}
  void handle_poll_items(const zmq::pollitem_t*, std::size_t) override {}

  loop_clock::time_point run_timers(loop_clock::time_point) override {
    if (!posted_) {
      posted_ = true;
      std::thread poster([this] { loop_.post([this] { result_ran = true; }); });
      poster.join();
    }
    return loop_clock::time_point::max();
  }

  std::atomic<bool> result_ran{false};

 private:
  event_loop loop_;
  bool posted_ = false;
};

TEST_F(EventLoopTest, TaskPostedInFirstRoundRuns) {
  auto source = std::make_shared<posting_source>(loop_);
  loop_.add(source);
  loop_.start();
  auto deadline = loop_clock::now() + 3s;
  while (!source->result_ran.load() && loop_clock::now() < deadline) {
    std::this_thread::sleep_for(1ms);
  }
  EXPECT_TRUE(source->result_ran.load()) << "the task posted in the loop's first round was lost";
}

TEST_F(EventLoopTest, AddAfterStartIsRejected) {
  loop_.start();
  EXPECT_THROW(loop_.add(std::make_shared<recording_source>()), std::logic_error);
}

}  // namespace
}  // namespace memgov::transport
