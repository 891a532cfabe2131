// Pure rules for the two registry requests the ingress makes outside a decision: resolving the
// owner of a memory id the registry does not know, and looking up the owners of the records in a
// list or search response.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "ownership_types.hpp"
#include "protocol/messages.hpp"

namespace memgov::authz {

// Subjects one ownership_lookup may name, at most. A Mem0 list or search returns up to 1000
// records, each with a memory id and up to three session ids.
inline constexpr std::size_t kMaxLookupSubjects = 4096;

// The subjects of a registry request that passed its checks, or why it did not.
struct checked_subjects {
  std::vector<subject_key> subjects;  // Distinct and sorted.
  std::string error;                  // Set when the request is invalid as a whole.
};

// Checks an ownership_resolve request: a memory id and 1 to 3 session subjects (user_id,
// agent_id, run_id), none empty, "*" or containing NUL. The result contains the session subjects.
checked_subjects check_resolve_request(const protocol::ownership_resolve_request& request);

// Checks an ownership_lookup request: at most kMaxLookupSubjects subjects of the four kinds,
// none empty or containing NUL.
checked_subjects check_lookup_request(const protocol::ownership_lookup_request& request);

// Chooses the tenant to record `memory_id` for from the owners of its record's session
// `subjects`: the one tenant that owns every subject. When a subject has no owner or two tenants
// own them, the reply's owner is empty and its reason gives the cause.
//
// Every subject must be owned, not just one: a memory of user alice (tenant A) and agent bot
// (nobody) would otherwise go to A, and the tenant that later claims bot could not reach it.
protocol::ownership_resolve_reply choose_memory_owner(const std::string& memory_id,
                                                      const std::vector<subject_key>& subjects,
                                                      const owner_map& owners);

// Copies `request`'s subjects in order, each with its owner from `owners` ("" when it has none).
protocol::ownership_lookup_reply fill_owners(const protocol::ownership_lookup_request& request,
                                             const owner_map& owners);

}  // namespace memgov::authz
