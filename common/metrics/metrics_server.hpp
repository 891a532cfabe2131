// The observability endpoint of one process, on the first free port of a configured range:
//   GET /metrics  Prometheus text format of the registry.
//   GET /health   200 {"status":"alive"} while the process serves HTTP at all.
//   GET /ready    200 when every required readiness check is up, else 503; the JSON body
//                 lists each check (see readiness.hpp).
#pragma once

#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include <prometheus/registry.h>

#include "metrics/readiness.hpp"

class CivetServer;

namespace memgov::metrics {

class route_handler;

class metrics_server {
 public:
  // Binds the first free port of `listen`, given as "host:port" or
  // "host:first-last". Throws std::runtime_error naming the range when no
  // port of it is free.
  explicit metrics_server(const std::string& listen);
  ~metrics_server();

  metrics_server(const metrics_server&) = delete;
  metrics_server& operator=(const metrics_server&) = delete;

  prometheus::Registry& registry() { return *registry_; }
  const std::shared_ptr<prometheus::Registry>& shared_registry() const { return registry_; }

  // Address actually bound, "host:port".
  const std::string& bound_address() const { return bound_address_; }

  // Replaces the checks of /ready. Until the first call /ready returns 503 with status
  // "starting". Safe from any thread. Once it returns, no probe of the old checks runs any
  // more, so a stage clears the checks (empty list) before destroying what they read.
  void set_readiness_checks(std::string stage, std::vector<readiness_check> checks);

 private:
  readiness_report evaluate() const;

  std::shared_ptr<prometheus::Registry> registry_;
  // Held while the probes run, so that replacing the checks waits for a running probe.
  mutable std::mutex readiness_mutex_;
  std::string stage_;
  std::vector<readiness_check> checks_;
  // Declared after the state they read, so the server stops before that state goes away.
  std::vector<std::unique_ptr<route_handler>> handlers_;
  std::unique_ptr<CivetServer> server_;
  std::string bound_address_;
};

}  // namespace memgov::metrics
