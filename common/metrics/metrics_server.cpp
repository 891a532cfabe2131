#include "metrics/metrics_server.hpp"

#include <stdexcept>

#include "transport/endpoint.hpp"

namespace memgov::metrics {

metrics_server::metrics_server(const std::string& listen)
    : registry_(std::make_shared<prometheus::Registry>()) {
  transport::host_port_range range = transport::parse_host_port_range(listen);
  std::string last_error;
  for (int port = range.first_port; port <= range.last_port; ++port) {
    std::string address = range.host + ":" + std::to_string(port);
    try {
      // Two threads serve scrapes; one request at a time is all Prometheus makes.
      exposer_ = std::make_unique<prometheus::Exposer>(address, 2);
      exposer_->RegisterCollectable(registry_);
      bound_address_ = address;
      return;
    } catch (const std::exception& e) {
      last_error = e.what();
    }
  }
  throw std::runtime_error("no free port for metrics in " + listen + ": " + last_error);
}

}  // namespace memgov::metrics
