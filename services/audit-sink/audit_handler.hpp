// The request handler of the audit-sink stage's server: reads and validates an audit_event,
// then passes it to the writer, which acknowledges it through the responder.
#pragma once

#include <cstddef>
#include <memory>

#include <caf/actor.hpp>

#include "audit_metrics.hpp"
#include "pg_writer.hpp"
#include "transport/stage_server.hpp"

namespace memgov::audit {

// Returns a handler for transport::stage_server. It runs on the socket thread and never
// blocks: an invalid event, or one that would make the writer's queue exceed `queue_max`,
// is acknowledged at once with durable=false and a reason. `metrics` must outlive the
// server.
transport::request_handler make_audit_handler(caf::actor writer,
                                              std::shared_ptr<writer_shared> shared,
                                              std::size_t queue_max, audit_metrics& metrics);

}  // namespace memgov::audit
