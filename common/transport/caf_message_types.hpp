// Lets the protocol bodies and the responder travel in CAF messages between
// actors of one process.
//
// CAF 0.17 wants an inspect() overload for every message type so it can
// serialize it; these never leave the process (the wire format is msgpack,
// see protocol/), so CAF may treat them as opaque local values instead.
#pragma once

#include <caf/allowed_unsafe_message_type.hpp>

#include "protocol/messages.hpp"
#include "transport/stage_server.hpp"

CAF_ALLOW_UNSAFE_MESSAGE_TYPE(memgov::transport::responder)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(memgov::protocol::ratelimit_request)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(memgov::protocol::ratelimit_reply)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(memgov::protocol::authz_request)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(memgov::protocol::authz_reply)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(memgov::protocol::ownership_record_request)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(memgov::protocol::ownership_record_reply)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(memgov::protocol::ownership_resolve_request)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(memgov::protocol::ownership_lookup_request)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(memgov::protocol::subject_assign_request)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(memgov::protocol::subject_list_request)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(memgov::protocol::audit_event)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(memgov::protocol::audit_ack)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(memgov::protocol::subject_ref)
