#include "transport/zmq_context.hpp"

namespace memgov::transport {

zmq::context_t& zmq_context() {
  // One I/O thread carries well beyond 100k messages/s on loopback. The
  // context lives until exit, so late socket closes in other static
  // destructors stay valid.
  static zmq::context_t* context = new zmq::context_t(1);
  return *context;
}

}  // namespace memgov::transport
