// State shared by every connection of the gateway: settings, stage clients and metrics.
#pragma once

#include <atomic>

#include <boost/asio/io_context.hpp>

#include "ingress_metrics.hpp"
#include "ingress_settings.hpp"
#include "transport/stage_client.hpp"

namespace memgov::ingress {

class access_log;

namespace upstream {
class upstream_pool;
}

// Objects shared by all io threads; each is thread-safe. They outlive every connection.
struct gateway_context {
  const ingress_settings* settings = nullptr;
  transport::stage_client* authz = nullptr;
  transport::stage_client* ratelimit = nullptr;
  transport::stage_client* audit = nullptr;
  ingress_metrics* metrics = nullptr;
  access_log* access = nullptr;
  std::atomic<int>* open_connections = nullptr;  // Client connections open in this process.
  std::atomic<int>* requests_in_flight =
      nullptr;  // Requests read whose response is not yet written.
};

// State of one io thread besides its io_context.
struct worker_context {
  const gateway_context* shared = nullptr;
  boost::asio::io_context* io = nullptr;  // Run by this worker's single thread.
  upstream::upstream_pool* pool = nullptr;
};

}  // namespace memgov::ingress
