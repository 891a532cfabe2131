// The request handler of the ratelimit stage's server: reads a ratelimit_check, resolves the
// limit in force and passes the check to the backend, which replies through the responder.
#pragma once

#include "limit_table.hpp"
#include "protocol/messages.hpp"
#include "ratelimit_backend.hpp"
#include "ratelimit_metrics.hpp"
#include "transport/stage_server.hpp"

namespace memgov::ratelimit {

// Converts a decision into the wire reply.
protocol::ratelimit_reply to_reply(const limit_decision& decision);

// Sends the decision to the requester: a ratelimit_result, or for outcome::store_unavailable
// an error reply "rate limit store unavailable: <cause>", on which the ingress rejects the
// request with 503.
void send_decision(const transport::responder& answer, const limit_decision& decision);

// Returns a handler for transport::stage_server. It runs on the socket thread and never
// blocks. The referenced objects must outlive the server and the backend.
transport::request_handler make_ratelimit_handler(const limits_holder& limits,
                                                  ratelimit_backend& backend,
                                                  ratelimit_metrics& metrics);

}  // namespace memgov::ratelimit
