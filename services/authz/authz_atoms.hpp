// CAF atoms and local message types of the authz stage's actors.
#pragma once

#include <vector>

#include <caf/allowed_unsafe_message_type.hpp>
#include <caf/atom.hpp>

#include "ownership_types.hpp"
#include "policy_result.hpp"
#include "transport/caf_message_types.hpp"

namespace memgov::authz {

using lookup_atom = caf::atom_constant<caf::atom("lookup")>;
using claim_atom = caf::atom_constant<caf::atom("claim")>;
using record_atom = caf::atom_constant<caf::atom("record")>;
using resolve_atom = caf::atom_constant<caf::atom("resolve")>;
using owners_atom = caf::atom_constant<caf::atom("owners")>;
using assign_atom = caf::atom_constant<caf::atom("assign")>;
using list_atom = caf::atom_constant<caf::atom("list")>;
using ping_atom = caf::atom_constant<caf::atom("ping")>;
using stop_atom = caf::atom_constant<caf::atom("stop")>;
using tick_atom = caf::atom_constant<caf::atom("tick")>;
using policy_atom = caf::atom_constant<caf::atom("policy")>;

}  // namespace memgov::authz

// These values stay inside the process, so CAF may pass them without
// serialization support.
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(std::vector<memgov::authz::subject_key>)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(memgov::authz::registry_result)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(memgov::authz::policy_outcome)
