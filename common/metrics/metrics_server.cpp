#include "metrics/metrics_server.hpp"

#include <functional>
#include <sstream>
#include <stdexcept>

#include <CivetServer.h>
#include <prometheus/text_serializer.h>

#include "transport/endpoint.hpp"

namespace memgov::metrics {

struct http_reply {
  int status = 200;
  const char* content_type = "application/json";
  std::string body;
};

// Serves one path with GET. civetweb returns 404 for the other methods.
class route_handler : public CivetHandler {
 public:
  explicit route_handler(std::function<http_reply()> build_reply)
      : build_reply_(std::move(build_reply)) {}

  bool handleGet(CivetServer* /*server*/, mg_connection* connection) override {
    http_reply reply = build_reply_();
    const char* reason = reply.status == 200 ? "OK" : "Service Unavailable";
    mg_printf(connection,
              "HTTP/1.1 %d %s\r\nContent-Type: %s\r\nContent-Length: %zu\r\n"
              "Cache-Control: no-store\r\nConnection: close\r\n\r\n",
              reply.status, reason, reply.content_type, reply.body.size());
    mg_write(connection, reply.body.data(), reply.body.size());
    return true;
  }

 private:
  std::function<http_reply()> build_reply_;
};

namespace {

std::unique_ptr<CivetServer> start_server(const std::string& address) {
  // Two threads serve requests: Prometheus scrapes one at a time, so the second one serves
  // /health and /ready during a scrape.
  std::vector<std::string> options = {"listening_ports", address, "num_threads", "2"};
  return std::make_unique<CivetServer>(options);
}

}  // namespace

metrics_server::metrics_server(const std::string& listen)
    : registry_(std::make_shared<prometheus::Registry>()) {
  transport::host_port_range range = transport::parse_host_port_range(listen);
  std::string last_error;
  for (int port = range.first_port; port <= range.last_port; ++port) {
    std::string address = range.host + ":" + std::to_string(port);
    try {
      server_ = start_server(address);
      bound_address_ = address;
      break;
    } catch (const std::exception& e) {
      last_error = e.what();
    }
  }
  if (!server_) {
    throw std::runtime_error("no free port for metrics in " + listen + ": " + last_error);
  }

  // A trailing '$' makes civetweb match the path exactly, not also "/metricsx" or "/ready/x".
  std::weak_ptr<prometheus::Registry> registry = registry_;
  handlers_.push_back(std::make_unique<route_handler>([registry] {
    http_reply reply;
    reply.content_type = "text/plain; version=0.0.4; charset=utf-8";
    if (auto alive = registry.lock()) {
      std::ostringstream text;
      prometheus::TextSerializer().Serialize(text, alive->Collect());
      reply.body = text.str();
    }
    return reply;
  }));
  server_->addHandler("/metrics$", handlers_.back().get());

  handlers_.push_back(std::make_unique<route_handler>([] {
    return http_reply{200, "application/json", "{\"status\":\"alive\"}"};
  }));
  server_->addHandler("/health$", handlers_.back().get());

  handlers_.push_back(std::make_unique<route_handler>([this] {
    readiness_report report = evaluate();
    return http_reply{report.ready ? 200 : 503, "application/json", std::move(report.body)};
  }));
  server_->addHandler("/ready$", handlers_.back().get());
}

metrics_server::~metrics_server() {
  // Stops the server threads before the handlers and the readiness state are destroyed.
  server_.reset();
}

void metrics_server::set_readiness_checks(std::string stage, std::vector<readiness_check> checks) {
  std::lock_guard<std::mutex> lock(readiness_mutex_);
  stage_ = std::move(stage);
  checks_ = std::move(checks);
}

readiness_report metrics_server::evaluate() const {
  std::lock_guard<std::mutex> lock(readiness_mutex_);
  return evaluate_readiness(stage_, checks_);
}

}  // namespace memgov::metrics
