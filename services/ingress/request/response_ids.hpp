// The memory ids that a Mem0 POST /memories response reports as created or changed.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace memgov::ingress::request {

enum class memory_event_kind { add, update, remove };

// Returns "ADD", "UPDATE" or "DELETE", as Mem0 spells the event.
std::string_view memory_event_name(memory_event_kind kind);

struct memory_event {
  std::string id;
  memory_event_kind kind = memory_event_kind::add;
};

// Reads a POST /memories response body, {"results": [{"id", "memory", "event"}, ...]}, or the bare
// list that Mem0 before 1.0 returned, and returns the entries whose event is ADD, UPDATE or DELETE
// (in any letter case), in order. Mem0 2.x reports only ADD; UPDATE and DELETE come from older
// servers and name memories that already existed. The ingress records ownership for ADD entries.
//
// Tolerates anything else: a body that is not JSON, a missing "results", entries that are not
// objects or lack "id" or "event", and ids that are not strings or fail identifier_problem() are
// skipped. Never throws; on memory exhaustion it returns what it has.
std::vector<memory_event> extract_memory_events(std::string_view response_body) noexcept;

}  // namespace memgov::ingress::request
