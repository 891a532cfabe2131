// Sends audit events to audit sinks over ZeroMQ with a bounded number in flight, optionally
// at a fixed rate, and records each acknowledgement and its latency.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace caf {
class actor_system;
}

namespace memgov::audit::bench {

struct sent_event {
  std::string request_id;
  std::string event_id;
  std::int64_t timestamp_unix_us = 0;
  bool durable = false;
  std::string reason;  // Reason it is not durable: the ack's reason or the transport error.
  double latency_ms = 0;
};

struct send_options {
  std::string endpoints;         // As in ingress.audit_endpoints.
  std::uint64_t count = 0;       // Events to send.
  std::size_t in_flight = 1000;  // Events sent without a reply yet, at most.
  double rate = 0;               // Events per second; 0 sends as fast as the window allows.
  std::chrono::milliseconds timeout{5000};
  int retries = 0;               // Extra attempts on another sink after a timeout.
  std::string run_id = "bench";  // Prefix of the request ids.
  bool with_outcomes = false;    // Also send an audit_outcome after each durable event.
  // Events to send again instead of new ones, with the same event_id, timestamp and
  // request_id. Sent to another sink than the first time, they exercise the duplicate path.
  // `count` is ignored when this is not empty.
  std::vector<sent_event> replay;
};

struct send_report {
  std::vector<sent_event> events;  // In send order.
  double seconds = 0;              // From the first send to the last reply.
  std::uint64_t durable = 0;
  std::uint64_t outcomes_durable = 0;
};

// Waits up to 10 s for a sink to reply to pings, then sends. Throws std::runtime_error when no
// sink becomes reachable.
send_report send_events(caf::actor_system& system, const send_options& options);

// Returns the p-th percentile (0-100) of `values`, sorting them; 0 when empty.
double percentile(std::vector<double> values, double p);

}  // namespace memgov::audit::bench
