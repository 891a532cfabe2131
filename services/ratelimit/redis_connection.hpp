// One Redis connection of the Redis backend, owned by a detached CAF actor (a thread of its
// own, because hiredis blocks).
//
// The actor waits for a check, then takes every further check already in its mailbox, up to
// ratelimit.redis_batch_max, and sends them as one pipeline (redis_link::run_checks). While
// the connection is down it fails checks at once and reconnects with exponential backoff,
// also when no check arrives. An idle connection sends PING every health_interval, and
// connection 0 sends DBSIZE as often for memgov_ratelimit_redis_database_keys.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include <caf/allowed_unsafe_message_type.hpp>
#include <caf/atom.hpp>
#include <caf/blocking_actor.hpp>

#include "member_source.hpp"
#include "ratelimit_backend.hpp"
#include "redis_metrics.hpp"
#include "redis_url.hpp"

namespace memgov::ratelimit {

// One check waiting for a connection.
struct redis_check {
  std::string rate_key;  // make_rate_key(); the connection adds the key prefix.
  std::uint32_t limit = 1;
  decision_callback done;
  std::chrono::steady_clock::time_point enqueued;
};

}  // namespace memgov::ratelimit

CAF_ALLOW_UNSAFE_MESSAGE_TYPE(memgov::ratelimit::redis_check)

namespace memgov::ratelimit {

// Message that ends a connection actor; checks still in its mailbox get no callback.
using redis_stop_atom = caf::atom_constant<caf::atom("redisstop")>;

// Called on the connection's thread for a check Redis did not decide, with the metric cause
// and a sentence for the reply.
using check_failure_handler =
    std::function<void(redis_check&& check, const std::string& cause, const std::string& error)>;

// Written by the connection actor, read by the backend on any thread.
struct connection_status {
  std::atomic<bool> open{false};
};

struct connection_options {
  int index = 0;  // For logs.
  redis_endpoint endpoint;
  std::chrono::milliseconds timeout{50};
  std::chrono::seconds window{60};
  std::size_t batch_max = 512;
  std::chrono::milliseconds queue_timeout{250};
  std::string key_prefix;
  std::chrono::milliseconds backoff_initial{100};
  std::chrono::milliseconds backoff_max{5000};
  // An idle open connection sends PING this often.
  std::chrono::milliseconds health_interval{1000};
  // Not owned; outlive the actor.
  member_source* members = nullptr;
  redis_metrics* metrics = nullptr;
  std::shared_ptr<connection_status> status;
  check_failure_handler on_failure;
};

void run_redis_connection(caf::blocking_actor* self, connection_options options);

}  // namespace memgov::ratelimit
