// The request handler of the audit-sink stage's server: reads and validates an audit_event or
// audit_outcome, then passes it to the log writer, which acknowledges it through the
// responder once it is durable.
#pragma once

#include <cstddef>
#include <memory>

#include "audit_metrics.hpp"
#include "sink_state.hpp"
#include "transport/stage_server.hpp"

namespace memgov::audit {

// Returns a handler for transport::stage_server. It runs on the socket thread and never
// blocks. It acknowledges at once with durable=false and a reason a record that is invalid,
// arrives before the log is open, would make the writer's queue exceed `queue_max`, or
// arrives while the log already uses its whole disk budget. `metrics` must outlive the
// server.
transport::request_handler make_audit_handler(std::shared_ptr<sink_state> state,
                                              std::size_t queue_max, audit_metrics& metrics);

}  // namespace memgov::audit
