#include "transport/event_loop.hpp"

#include <algorithm>
#include <future>
#include <stdexcept>

#include <caf/all.hpp>

#include "log/logger.hpp"
#include "transport/wakeup.hpp"

namespace memgov::transport {

// A task sent to the loop actor's mailbox.
struct loop_task {
  event_loop::task work;
};

}  // namespace memgov::transport

// The task carries a std::function, which CAF cannot serialize. It never leaves the process,
// so CAF may treat it as an opaque local message.
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(memgov::transport::loop_task)

namespace memgov::transport {

// State shared by the event_loop handles and the actor. Once the actor runs, `sources` and
// the poll items belong to the loop thread.
class loop_core {
 public:
  explicit loop_core(std::string loop_name) : name(std::move(loop_name)), logger("event_loop") {}

  std::string name;
  log::logger logger;
  wakeup wake;
  caf::actor actor;
  std::atomic<bool> started{false};
  std::atomic<bool> accepting{false};  // Set once `actor` is assigned.
  // Fulfilled by start() once `actor` is assigned. The loop waits for it before its first
  // round, because a source may start work in that round whose result another thread posts.
  std::promise<void> actor_assigned;
  std::atomic<bool> stopping{false};
  std::atomic<std::thread::id> loop_thread{};
  std::vector<std::shared_ptr<poll_source>> sources;

  void run(caf::blocking_actor* self);

 private:
  // Runs every task in the mailbox without waiting.
  void run_posted_tasks(caf::blocking_actor* self);

  std::vector<zmq::pollitem_t> items_;
  std::vector<std::size_t> first_item_;  // Index in items_ of each source's first item.
};

void loop_core::run_posted_tasks(caf::blocking_actor* self) {
  bool more = true;
  self->receive_while([&] { return more; })(
      [](loop_task& posted) { posted.work(); },
      caf::after(std::chrono::seconds(0)) >> [&] { more = false; });
}

void loop_core::run(caf::blocking_actor* self) {
  actor_assigned.get_future().wait();
  loop_thread.store(std::this_thread::get_id());
  // The loop also wakes up this often to notice stop() when no source needs it sooner.
  constexpr auto kLongestSleep = std::chrono::milliseconds(500);
  first_item_.resize(sources.size());
  while (!stopping.load()) {
    auto now = loop_clock::now();
    loop_clock::time_point wake_at = now + kLongestSleep;
    for (const auto& source : sources) {
      wake_at = std::min(wake_at, source->run_timers(now));
    }
    items_.clear();
    items_.push_back({nullptr, wake.fd(), ZMQ_POLLIN, 0});
    for (std::size_t i = 0; i < sources.size(); ++i) {
      first_item_[i] = items_.size();
      sources[i]->add_poll_items(items_);
    }
    // Rounded up, so that a timer is due when the poll returns.
    auto wait = std::chrono::duration_cast<std::chrono::microseconds>(wake_at - loop_clock::now());
    long wait_ms = wait.count() <= 0 ? 0 : static_cast<long>((wait.count() + 999) / 1000);
    try {
      zmq::poll(items_.data(), items_.size(), std::chrono::milliseconds(wait_ms));
    } catch (const zmq::error_t& e) {
      if (e.num() == EINTR) {
        continue;
      }
      logger.error("poll failed; the event loop stops", {{"loop", name}, {"error", e.what()}});
      break;
    }
    if (items_[0].revents & ZMQ_POLLIN) {
      wake.clear();
      run_posted_tasks(self);
    }
    for (std::size_t i = 0; i < sources.size(); ++i) {
      std::size_t end = i + 1 < sources.size() ? first_item_[i + 1] : items_.size();
      sources[i]->handle_poll_items(items_.data() + first_item_[i], end - first_item_[i]);
    }
    for (const auto& source : sources) {
      source->flush();
    }
  }
  for (const auto& source : sources) {
    source->on_stop();
  }
  // Sources may hold a handle of this loop; dropping them here breaks that cycle.
  sources.clear();
}

event_loop::event_loop(caf::actor_system& system, std::string name)
    : system_(&system), core_(std::make_shared<loop_core>(std::move(name))) {}

void event_loop::add(std::shared_ptr<poll_source> source) {
  if (core_->started.load()) {
    throw std::logic_error("event_loop::add called after start() on loop " + core_->name +
                           "; add every source before starting the loop");
  }
  core_->sources.push_back(std::move(source));
}

void event_loop::start() {
  if (core_->started.exchange(true)) {
    throw std::logic_error("event_loop::start called twice on loop " + core_->name);
  }
  core_->actor =
      system_->spawn<caf::detached>([core = core_](caf::blocking_actor* self) { core->run(self); });
  core_->accepting.store(true);
  core_->actor_assigned.set_value();
}

void event_loop::post(task work) const {
  if (core_->stopping.load() || !core_->accepting.load()) {
    return;
  }
  caf::anon_send(core_->actor, loop_task{std::move(work)});
  core_->wake.notify();
}

bool event_loop::on_loop_thread() const {
  return core_->loop_thread.load() == std::this_thread::get_id();
}

void event_loop::stop() {
  if (!core_->stopping.exchange(true)) {
    core_->wake.notify();
  }
}

}  // namespace memgov::transport
