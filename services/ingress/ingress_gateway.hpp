// The HTTP side of the ingress: io threads, each with an acceptor and a Mem0 pool.
#pragma once

#include <atomic>
#include <memory>
#include <vector>

#include <boost/asio/ip/tcp.hpp>

#include "access_log.hpp"
#include "gateway_context.hpp"
#include "ingress_metrics.hpp"
#include "ingress_settings.hpp"
#include "transport/stage_client.hpp"

namespace memgov::ingress {

struct stage_clients {
  transport::stage_client* authz = nullptr;
  transport::stage_client* ratelimit = nullptr;
  transport::stage_client* audit = nullptr;
};

class ingress_gateway {
 public:
  // Binds settings.listen on every io thread (throws std::runtime_error naming the setting when
  // it cannot). `settings`, the stage clients and `metrics` must outlive the gateway.
  //
  // Lifetime: stage clients post their completions to the gateway's io_contexts. Destroy the
  // gateway only after the threads of its stage clients ended (after the actor system that runs
  // them was destroyed); stop() it before that.
  ingress_gateway(const ingress_settings& settings, stage_clients clients,
                  ingress_metrics& metrics);
  ~ingress_gateway();

  ingress_gateway(const ingress_gateway&) = delete;
  ingress_gateway& operator=(const ingress_gateway&) = delete;

  // Starts the io threads and the accept loops.
  void start();

  // Stops accepting connections, waits up to settings.shutdown_grace for the requests in flight,
  // then stops the io threads and waits for them. Connections still open are dropped.
  void stop();

  // Address the acceptors are bound to.
  boost::asio::ip::tcp::endpoint local_endpoint() const;

 private:
  struct worker;

  gateway_context shared_;
  std::unique_ptr<access_log> access_log_;  // Outlives the workers, whose requests log to it.
  std::atomic<int> open_connections_{0};
  std::atomic<int> requests_in_flight_{0};
  std::vector<std::unique_ptr<worker>> workers_;
  bool running_ = false;
};

}  // namespace memgov::ingress
