// Messages between the actors of the audit-sink stage.
#pragma once

#include <string>

#include <caf/allowed_unsafe_message_type.hpp>
#include <caf/atom.hpp>

#include "record/record_schema.hpp"
#include "transport/caf_message_types.hpp"

namespace memgov::audit {

// Makes the log writer write what is queued and exit, or the drainer store its checkpoint
// and exit.
using stop_atom = caf::atom_constant<caf::atom("stop")>;

// Tells a waiting drainer that the log has new records.
using wake_atom = caf::atom_constant<caf::atom("wake")>;

// A validated record for the log writer, acknowledged through `answer` with an audit_ack.
struct log_request {
  record_kind kind = record_kind::event;
  std::string canonical_prefix;  // encode_canonical_prefix() of the record.
  std::string request_id;        // For log lines.
  transport::responder answer;
};

}  // namespace memgov::audit

CAF_ALLOW_UNSAFE_MESSAGE_TYPE(memgov::audit::log_request)
