// Audit events for load tests: a fixed mix of tenants, roles and decisions, with fresh ids.
#pragma once

#include <cstdint>
#include <string>

#include "protocol/messages.hpp"

namespace memgov::audit::bench {

// Returns a random version 4 UUID in lower case.
std::string random_uuid();

// Returns event number `index` of a run: request id "<run_id>-<index>", timestamp now.
protocol::audit_event sample_event(const std::string& run_id, std::uint64_t index);

}  // namespace memgov::audit::bench
