#include "transport/stage_client.hpp"

#include <deque>
#include <unordered_map>

#include <prometheus/counter.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>
#include <caf/all.hpp>

#include "log/logger.hpp"
#include "transport/endpoint.hpp"
#include "transport/wakeup.hpp"
#include "transport/zmq_context.hpp"

namespace memgov::transport {

const char* to_string(call_status status) {
  switch (status) {
    case call_status::ok:
      return "ok";
    case call_status::unavailable:
      return "unavailable";
    case call_status::timed_out:
      return "timed_out";
    case call_status::failed:
      return "failed";
  }
  return "failed";
}

// A call handed to the socket actor through its mailbox.
struct outgoing_call {
  protocol::message_kind kind;
  std::string packed_body;
  completion done;
};

}  // namespace memgov::transport

// The call carries a std::function, which CAF cannot serialize; it never
// leaves the process, so CAF may treat it as an opaque local message.
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(memgov::transport::outgoing_call)

namespace memgov::transport {
namespace {

using clock_type = std::chrono::steady_clock;

struct peer {
  std::string endpoint;
  std::unique_ptr<zmq::socket_t> socket;
  std::size_t in_flight = 0;
  clock_type::time_point last_pong{};
  clock_type::time_point avoid_until{};  // Set after a timeout: a hung peer is tried last.
};

struct pending_call {
  protocol::message_kind kind;
  std::string packed_body;
  completion done;
  clock_type::time_point started;
  std::string peer;  // Endpoint of the current attempt.
  int attempts = 0;
};

struct deadline_entry {
  clock_type::time_point deadline;
  std::uint64_t correlation_id;
  int attempt;
};

struct client_metrics {
  prometheus::Counter* ok = nullptr;
  prometheus::Counter* unavailable = nullptr;
  prometheus::Counter* timed_out = nullptr;
  prometheus::Counter* failed = nullptr;
  prometheus::Counter* retries = nullptr;
  prometheus::Gauge* in_flight = nullptr;
  prometheus::Gauge* reachable = nullptr;
  prometheus::Histogram* latency = nullptr;

  void count(call_status status) {
    prometheus::Counter* counter = nullptr;
    switch (status) {
      case call_status::ok:
        counter = ok;
        break;
      case call_status::unavailable:
        counter = unavailable;
        break;
      case call_status::timed_out:
        counter = timed_out;
        break;
      case call_status::failed:
        counter = failed;
        break;
    }
    if (counter != nullptr)
      counter->Increment();
  }
};

}  // namespace

class client_core {
 public:
  client_options options;
  std::vector<host_port_range> ranges;
  wakeup wake;
  caf::actor actor;
  std::atomic<bool> stopping{false};
  std::atomic<int> reachable{0};
  log::logger logger{"stage_client"};
  client_metrics metrics;

  // Owned by the socket actor's thread from here on.
  std::vector<peer> peers;
  std::unordered_map<std::uint64_t, pending_call> pending;
  std::deque<deadline_entry> deadlines;
  std::vector<peer*> candidates_;  // Scratch space of dispatch(), kept to avoid an allocation.
  std::uint64_t next_correlation = 1;
  std::size_t next_first_peer = 0;  // See dispatch().
  clock_type::time_point next_resolve{};
  clock_type::time_point next_ping{};

  void resolve_peers();
  void send_pings(clock_type::time_point now);
  void start_call(outgoing_call call);
  bool dispatch(std::uint64_t correlation_id, pending_call& call, const std::string& avoid);
  void handle_reply(peer& source, std::string_view frame);
  void expire_calls(clock_type::time_point now);
  void complete(std::uint64_t correlation_id, call_result result);
  void update_reachable(clock_type::time_point now);
};

void client_core::resolve_peers() {
  std::vector<std::string> errors;
  std::vector<std::string> wanted = resolve(ranges, &errors);
  for (const auto& error : errors) {
    logger.warning_limited("resolve:" + error, "peer host did not resolve",
                           {{"peer_stage", options.peer_stage}, {"error", error}});
  }
  if (wanted.empty() && !errors.empty()) {
    // Keep the peers we have while the resolver is failing: a DNS outage
    // should not disconnect replicas that still answer.
    return;
  }
  std::vector<peer> kept;
  for (auto& existing : peers) {
    if (std::binary_search(wanted.begin(), wanted.end(), existing.endpoint)) {
      kept.push_back(std::move(existing));
    } else {
      logger.info("peer removed",
                  {{"peer_stage", options.peer_stage}, {"peer", existing.endpoint}});
    }
  }
  peers = std::move(kept);
  for (const auto& endpoint : wanted) {
    bool known = std::any_of(peers.begin(), peers.end(),
                             [&](const peer& p) { return p.endpoint == endpoint; });
    if (known)
      continue;
    peer fresh;
    fresh.endpoint = endpoint;
    fresh.socket = std::make_unique<zmq::socket_t>(zmq_context(), zmq::socket_type::dealer);
    fresh.socket->set(zmq::sockopt::linger, 0);
    fresh.socket->set(zmq::sockopt::immediate, 1);
    fresh.socket->set(zmq::sockopt::reconnect_ivl, 100);
    fresh.socket->set(zmq::sockopt::reconnect_ivl_max, 500);
    fresh.socket->set(zmq::sockopt::sndhwm, 10000);
    fresh.socket->set(zmq::sockopt::rcvhwm, 10000);
    fresh.socket->connect(endpoint);
    peers.push_back(std::move(fresh));
  }
}

void client_core::send_pings(clock_type::time_point now) {
  protocol::ping_request ping{"client"};
  std::string frame = protocol::encode(protocol::message_kind::ping, 0, ping);
  for (auto& p : peers) {
    try {
      p.socket->send(zmq::buffer(frame), zmq::send_flags::dontwait);
    } catch (const zmq::error_t&) {
      // Not connected: the missing pong says so.
    }
  }
  update_reachable(now);
}

void client_core::update_reachable(clock_type::time_point now) {
  int count = 0;
  for (const auto& p : peers) {
    if (now - p.last_pong < 3 * options.ping_interval)
      ++count;
  }
  reachable.store(count);
  if (metrics.reachable != nullptr)
    metrics.reachable->Set(count);
}

bool client_core::dispatch(std::uint64_t correlation_id, pending_call& call,
                           const std::string& avoid) {
  auto now = clock_type::now();
  // Order candidates: live and not avoided first, then by calls in flight.
  std::vector<peer*>& candidates = candidates_;
  candidates.clear();
  // Listed from a position that moves one peer per call, so that peers with as many calls in
  // flight take turns. Otherwise the first peer would take every call at low load and the
  // other replicas would sit idle.
  std::size_t first = peers.empty() ? 0 : next_first_peer++ % peers.size();
  for (std::size_t i = 0; i < peers.size(); ++i) {
    peer& p = peers[(first + i) % peers.size()];
    if (p.endpoint != avoid || peers.size() == 1)
      candidates.push_back(&p);
  }
  auto rank = [&](const peer* p) {
    bool live = now - p->last_pong < 3 * options.ping_interval;
    bool avoided = now < p->avoid_until;
    return std::make_tuple(avoided, !live, p->in_flight);
  };
  std::stable_sort(candidates.begin(), candidates.end(),
                   [&](const peer* a, const peer* b) { return rank(a) < rank(b); });
  std::string frame = protocol::encode_packed(call.kind, correlation_id, call.packed_body);
  for (peer* p : candidates) {
    zmq::send_result_t sent;
    try {
      sent = p->socket->send(zmq::buffer(frame), zmq::send_flags::dontwait);
    } catch (const zmq::error_t&) {
      continue;
    }
    if (!sent)
      continue;  // Not connected (ZMQ_IMMEDIATE) or its queue is full.
    ++p->in_flight;
    call.peer = p->endpoint;
    ++call.attempts;
    deadlines.push_back({now + options.timeout, correlation_id, call.attempts});
    return true;
  }
  return false;
}

void client_core::start_call(outgoing_call call) {
  if (pending.size() >= options.max_in_flight) {
    call_result result;
    result.status = call_status::unavailable;
    result.error =
        std::to_string(pending.size()) + " calls to " + options.peer_stage + " are already waiting";
    metrics.count(result.status);
    call.done(std::move(result));
    return;
  }
  std::uint64_t id = next_correlation++;
  pending_call entry{
      call.kind, std::move(call.packed_body), std::move(call.done), clock_type::now(), "", 0};
  if (!dispatch(id, entry, "")) {
    call_result result;
    result.status = call_status::unavailable;
    result.error = "no " + options.peer_stage + " replica is reachable";
    metrics.count(result.status);
    entry.done(std::move(result));
    return;
  }
  pending.emplace(id, std::move(entry));
  if (metrics.in_flight != nullptr)
    metrics.in_flight->Set(static_cast<double>(pending.size()));
}

void client_core::complete(std::uint64_t correlation_id, call_result result) {
  auto found = pending.find(correlation_id);
  if (found == pending.end())
    return;
  pending_call call = std::move(found->second);
  pending.erase(found);
  for (auto& p : peers) {
    if (p.endpoint == call.peer && p.in_flight > 0) {
      --p.in_flight;
      break;
    }
  }
  metrics.count(result.status);
  if (metrics.latency != nullptr) {
    metrics.latency->Observe(
        std::chrono::duration<double>(clock_type::now() - call.started).count());
  }
  if (metrics.in_flight != nullptr)
    metrics.in_flight->Set(static_cast<double>(pending.size()));
  call.done(std::move(result));
}

void client_core::handle_reply(peer& source, std::string_view frame) {
  protocol::decode_result decoded = protocol::decode(frame);
  if (!decoded.envelope) {
    logger.warning_limited("reply-decode", "ignoring a malformed reply",
                           {{"peer", source.endpoint}, {"error", decoded.error}});
    return;
  }
  const auto& header = decoded.envelope->header();
  if (header.kind == protocol::message_kind::pong) {
    source.last_pong = clock_type::now();
    return;
  }
  auto found = pending.find(header.correlation_id);
  if (found == pending.end() || found->second.peer != source.endpoint) {
    return;  // A late answer to an attempt that already timed out.
  }
  call_result result;
  result.peer = source.endpoint;
  source.last_pong = clock_type::now();  // Any answer proves the peer alive.
  if (header.kind == protocol::message_kind::error) {
    auto error = decoded.envelope->body_as<protocol::error_reply>();
    result.status = call_status::failed;
    result.error = options.peer_stage +
                   " failed: " + (error ? error->reason : std::string("unreadable error reply"));
  } else {
    result.status = call_status::ok;
    result.reply = std::move(decoded.envelope);
  }
  complete(header.correlation_id, std::move(result));
}

void client_core::expire_calls(clock_type::time_point now) {
  while (!deadlines.empty() && deadlines.front().deadline <= now) {
    deadline_entry entry = deadlines.front();
    deadlines.pop_front();
    auto found = pending.find(entry.correlation_id);
    if (found == pending.end() || found->second.attempts != entry.attempt)
      continue;
    pending_call& call = found->second;
    std::string timed_out_peer = call.peer;
    for (auto& p : peers) {
      if (p.endpoint == timed_out_peer) {
        if (p.in_flight > 0)
          --p.in_flight;
        p.avoid_until = now + 4 * options.ping_interval;
      }
    }
    logger.warning_limited("timeout:" + timed_out_peer, "call timed out",
                           {{"peer_stage", options.peer_stage}, {"peer", timed_out_peer}});
    if (call.attempts <= options.retries && dispatch(entry.correlation_id, call, timed_out_peer)) {
      if (metrics.retries != nullptr)
        metrics.retries->Increment();
      continue;
    }
    call_result result;
    result.status = call_status::timed_out;
    result.peer = timed_out_peer;
    result.error = options.peer_stage + " did not answer within " +
                   std::to_string(options.timeout.count()) + " ms";
    call.peer.clear();  // Its in_flight was already released above.
    complete(entry.correlation_id, std::move(result));
  }
}

namespace {

void run_client_actor(caf::blocking_actor* self, std::shared_ptr<client_core> core) {
  std::vector<zmq::pollitem_t> items;
  while (!core->stopping.load()) {
    auto now = clock_type::now();
    if (now >= core->next_resolve) {
      core->resolve_peers();
      core->next_resolve = now + core->options.resolve_interval;
    }
    if (now >= core->next_ping) {
      core->send_pings(now);
      core->next_ping = now + core->options.ping_interval;
    }
    items.clear();
    items.push_back({nullptr, core->wake.fd(), ZMQ_POLLIN, 0});
    for (auto& p : core->peers) {
      items.push_back({static_cast<void*>(*p.socket), 0, ZMQ_POLLIN, 0});
    }
    auto wait = core->next_ping - now;
    if (!core->deadlines.empty()) {
      wait = std::min(wait, core->deadlines.front().deadline - now);
    }
    auto wait_ms = std::max<long>(
        0,
        static_cast<long>(std::chrono::duration_cast<std::chrono::milliseconds>(wait).count()) + 1);
    try {
      zmq::poll(items.data(), items.size(), std::chrono::milliseconds(wait_ms));
    } catch (const zmq::error_t& e) {
      if (e.num() == EINTR)
        continue;
      core->logger.error("poll failed; the client stops", {{"error", e.what()}});
      break;
    }
    if (items[0].revents & ZMQ_POLLIN) {
      core->wake.clear();
      bool more = true;
      while (more) {
        self->receive([&](outgoing_call& call) { core->start_call(std::move(call)); },
                      caf::after(std::chrono::seconds(0)) >> [&] { more = false; });
      }
    }
    // Peers may have changed size while calls started; index by position only
    // up to what was polled.
    std::size_t polled = items.size() - 1;
    for (std::size_t i = 0; i < polled && i < core->peers.size(); ++i) {
      if (!(items[i + 1].revents & ZMQ_POLLIN))
        continue;
      peer& source = core->peers[i];
      while (true) {
        zmq::message_t message;
        auto got = source.socket->recv(message, zmq::recv_flags::dontwait);
        if (!got)
          break;
        core->handle_reply(source, message.to_string_view());
      }
    }
    core->expire_calls(clock_type::now());
  }
  // Complete whatever is left so no caller waits forever.
  std::vector<std::uint64_t> left;
  for (const auto& entry : core->pending)
    left.push_back(entry.first);
  for (auto id : left) {
    call_result result;
    result.status = call_status::unavailable;
    result.error = "client for " + core->options.peer_stage + " is shutting down";
    core->complete(id, std::move(result));
  }
  core->peers.clear();
}

}  // namespace

stage_client::stage_client(caf::actor_system& system, client_options options,
                           prometheus::Registry* registry)
    : core_(std::make_shared<client_core>()) {
  core_->ranges = parse_endpoint_list(options.endpoints);
  core_->options = std::move(options);
  if (registry != nullptr) {
    const std::string& stage = core_->options.peer_stage;
    auto& calls = prometheus::BuildCounter()
                      .Name("memgov_stage_calls_total")
                      .Help("Calls to a peer stage, by outcome")
                      .Register(*registry);
    core_->metrics.ok = &calls.Add({{"peer_stage", stage}, {"outcome", "ok"}});
    core_->metrics.unavailable = &calls.Add({{"peer_stage", stage}, {"outcome", "unavailable"}});
    core_->metrics.timed_out = &calls.Add({{"peer_stage", stage}, {"outcome", "timed_out"}});
    core_->metrics.failed = &calls.Add({{"peer_stage", stage}, {"outcome", "failed"}});
    core_->metrics.retries = &prometheus::BuildCounter()
                                  .Name("memgov_stage_call_retries_total")
                                  .Help("Calls sent again to another replica after a timeout")
                                  .Register(*registry)
                                  .Add({{"peer_stage", stage}});
    core_->metrics.in_flight = &prometheus::BuildGauge()
                                    .Name("memgov_stage_calls_in_flight")
                                    .Help("Calls to a peer stage waiting for an answer")
                                    .Register(*registry)
                                    .Add({{"peer_stage", stage}});
    core_->metrics.reachable = &prometheus::BuildGauge()
                                    .Name("memgov_stage_peers_reachable")
                                    .Help("Replicas of a peer stage that answered a recent ping")
                                    .Register(*registry)
                                    .Add({{"peer_stage", stage}});
    core_->metrics.latency =
        &prometheus::BuildHistogram()
             .Name("memgov_stage_call_seconds")
             .Help("Time from sending a call to its completion")
             .Register(*registry)
             .Add({{"peer_stage", stage}}, prometheus::Histogram::BucketBoundaries{
                                               0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01,
                                               0.025, 0.05, 0.1, 0.25, 0.5, 1});
  }
  core_->actor = system.spawn<caf::detached>(run_client_actor, core_);
}

stage_client::~stage_client() {
  stop();
}

void stage_client::call(protocol::message_kind kind, std::string packed_body, completion done) {
  if (core_->stopping.load()) {
    call_result result;
    result.status = call_status::unavailable;
    result.error = "client for " + core_->options.peer_stage + " is shutting down";
    done(std::move(result));
    return;
  }
  caf::anon_send(core_->actor, outgoing_call{kind, std::move(packed_body), std::move(done)});
  core_->wake.notify();
}

int stage_client::reachable_peers() const {
  return core_->reachable.load();
}

const std::string& stage_client::peer_stage() const {
  return core_->options.peer_stage;
}

void stage_client::stop() {
  if (!core_->stopping.exchange(true)) {
    core_->wake.notify();
  }
}

}  // namespace memgov::transport
