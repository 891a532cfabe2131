// Checks that an audit event can become a row of mem0_audit_log.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "protocol/messages.hpp"

namespace memgov::audit {

// Returns why `event` cannot be stored, or nullopt when it can. An event needs a UUID
// event_id (8-4-4-4-12 hex digits, either case), a timestamp between the Unix epoch
// (exclusive) and year 10000, and one of the decisions allowed by the table's CHECK
// constraint. Other fields may be empty.
std::optional<std::string> validate_event(const protocol::audit_event& event);

// Returns why `outcome` cannot be stored, or nullopt when it can. It needs the UUID event_id
// and the timestamp of its request's event (checked as in validate_event), and a
// completed_unix_us that is 0 or in the same range.
std::optional<std::string> validate_outcome(const protocol::audit_outcome& outcome);

bool is_uuid(std::string_view text);

bool is_known_decision(std::string_view decision);

}  // namespace memgov::audit
