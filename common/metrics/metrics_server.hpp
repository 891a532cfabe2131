// The Prometheus endpoint of one process: GET /metrics on the first free port
// of a configured range.
#pragma once

#include <memory>
#include <string>

#include <prometheus/exposer.h>
#include <prometheus/registry.h>

namespace memgov::metrics {

class metrics_server {
 public:
  // Binds the first free port of `listen`, given as "host:port" or
  // "host:first-last". Throws std::runtime_error naming the range when no
  // port of it is free.
  explicit metrics_server(const std::string& listen);

  prometheus::Registry& registry() { return *registry_; }
  const std::shared_ptr<prometheus::Registry>& shared_registry() const { return registry_; }

  // Address actually bound, "host:port".
  const std::string& bound_address() const { return bound_address_; }

 private:
  std::shared_ptr<prometheus::Registry> registry_;
  std::unique_ptr<prometheus::Exposer> exposer_;
  std::string bound_address_;
};

}  // namespace memgov::metrics
