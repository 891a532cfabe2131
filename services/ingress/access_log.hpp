// The access log of the gateway: one JSON line per governed request, written by a thread of
// its own so that the io threads do not wait for write(2) on stderr.
#pragma once

#include <memory>
#include <string_view>

#include "log/buffered_writer.hpp"
#include "log/logger.hpp"

namespace prometheus {
class Counter;
}

namespace memgov::ingress {

struct access_entry {
  std::string_view request_id;
  std::string_view tenant;
  std::string_view actor;
  std::string_view route;
  std::string_view action;
  std::string_view method;
  std::string_view path;
  std::string_view decision;
  std::string_view reason;
  int status = 0;
  double latency_ms = 0;  // From receiving the request to having its response ready.
};

class access_log {
 public:
  // With `enabled` false, record() does nothing. `dropped` counts lines lost to a full buffer
  // and must outlive this object.
  access_log(bool enabled, prometheus::Counter& dropped);

  // Formats and queues the line of one request at level info, unless the log is off or the
  // level is above info. Thread-safe. The caller waits only for the buffer's mutex, except
  // that a full buffer writes one rate-limited warning directly to stderr.
  void record(const access_entry& entry);

 private:
  prometheus::Counter& dropped_;
  std::unique_ptr<log::buffered_writer> writer_;  // Null when the access log is off.
  log::logger logger_{"access"};
};

}  // namespace memgov::ingress
