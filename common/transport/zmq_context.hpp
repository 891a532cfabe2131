// The process's single ZeroMQ context. Contexts are thread-safe; sockets are
// not, so each socket belongs to the one actor that created it.
#pragma once

#include <zmq.hpp>

namespace memgov::transport {

zmq::context_t& zmq_context();

}  // namespace memgov::transport
