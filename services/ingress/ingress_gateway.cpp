#include "ingress_gateway.hpp"

#include <algorithm>
#include <stdexcept>
#include <thread>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>

#include "config/settings_source.hpp"
#include "http/listener.hpp"
#include "log/logger.hpp"
#include "transport/endpoint.hpp"
#include "upstream/upstream_pool.hpp"

namespace memgov::ingress {
namespace net = boost::asio;

// One io thread with its own event loop, acceptor and Mem0 pool. Members are destroyed in
// reverse order: the pool before the io_context, and `context` last because the handlers that
// the io_context destroys still read it.
struct ingress_gateway::worker {
  worker_context context;
  net::io_context io{1};
  std::unique_ptr<upstream::upstream_pool> pool;
  std::unique_ptr<http::listener> listener;
  std::thread thread;
};

namespace {

net::ip::tcp::endpoint resolve_listen(const std::string& listen) {
  transport::host_port_range range = transport::parse_host_port_range(listen);
  net::io_context io;
  net::ip::tcp::resolver resolver(io);
  boost::system::error_code error;
  auto results = resolver.resolve(range.host, std::to_string(range.first_port), error);
  if (error || results.empty()) {
    throw config::settings_error("ingress.listen (MEMGOV_INGRESS_LISTEN): '" + listen +
                                 "' does not resolve: " + error.message());
  }
  return results.begin()->endpoint();
}

std::string endpoint_text(const net::ip::tcp::endpoint& endpoint) {
  return endpoint.address().to_string() + ":" + std::to_string(endpoint.port());
}

}  // namespace

ingress_gateway::ingress_gateway(const ingress_settings& settings, stage_clients clients,
                                 ingress_metrics& metrics) {
  shared_.settings = &settings;
  shared_.authz = clients.authz;
  shared_.ratelimit = clients.ratelimit;
  shared_.audit = clients.audit;
  shared_.metrics = &metrics;
  access_log_ = std::make_unique<access_log>(settings.access_log, metrics.access_log_dropped());
  shared_.access = access_log_.get();
  shared_.open_connections = &open_connections_;
  shared_.requests_in_flight = &requests_in_flight_;

  net::ip::tcp::endpoint endpoint = resolve_listen(settings.listen);
  // Every thread gets an equal share of the Mem0 connections, at least one.
  std::size_t pool_size = std::max<std::size_t>(
      1, static_cast<std::size_t>(settings.upstream_connections) / settings.threads);
  upstream::pool_options pool_options{settings.mem0_url, pool_size, settings.upstream_idle_timeout,
                                      settings.upstream_max_body_bytes};
  for (int i = 0; i < settings.threads; ++i) {
    auto entry = std::make_unique<worker>();
    entry->pool = std::make_unique<upstream::upstream_pool>(entry->io, pool_options, &metrics);
    entry->context = worker_context{&shared_, &entry->io, entry->pool.get()};
    try {
      entry->listener = std::make_unique<http::listener>(entry->context, endpoint);
    } catch (const boost::system::system_error& e) {
      throw std::runtime_error("ingress.listen (MEMGOV_INGRESS_LISTEN): cannot listen on " +
                               endpoint_text(endpoint) + ": " + e.code().message());
    }
    workers_.push_back(std::move(entry));
  }
}

ingress_gateway::~ingress_gateway() {
  stop();
}

void ingress_gateway::start() {
  if (running_)
    return;
  running_ = true;
  for (auto& entry : workers_) {
    entry->listener->start();
    worker* raw = entry.get();
    entry->thread = std::thread([raw] {
      auto guard = net::make_work_guard(raw->io);
      raw->io.run();
    });
  }
}

void ingress_gateway::stop() {
  if (!running_)
    return;
  running_ = false;
  for (auto& entry : workers_) {
    http::listener* listener = entry->listener.get();
    net::post(entry->io, [listener] { listener->stop(); });
  }
  // Polling is enough here: this runs once, at shutdown, on the main thread.
  auto deadline = std::chrono::steady_clock::now() + shared_.settings->shutdown_grace;
  while (requests_in_flight_.load() > 0 && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  if (requests_in_flight_.load() > 0) {
    log::logger("main").warning(
        "shutdown grace time over; dropping requests in flight",
        {{"requests_in_flight", std::to_string(requests_in_flight_.load())}});
  }
  for (auto& entry : workers_)
    entry->io.stop();
  for (auto& entry : workers_) {
    if (entry->thread.joinable())
      entry->thread.join();
  }
}

net::ip::tcp::endpoint ingress_gateway::local_endpoint() const {
  return workers_.front()->listener->local_endpoint();
}

}  // namespace memgov::ingress
