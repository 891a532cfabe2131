// Validated settings of the ingress stage, read once at start.
#pragma once

#include <chrono>
#include <cstddef>
#include <optional>
#include <string>

#include "config/settings_source.hpp"
#include "upstream/upstream_url.hpp"

namespace memgov::ingress {

struct ingress_settings {
  // HTTP address "host:port" the gateway listens on, with SO_REUSEPORT so that several ingress
  // processes can share it. Default 127.0.0.1:9000.
  std::string listen;
  // "host:port" or "host:first-last": the first free port serves /metrics.
  // Default 127.0.0.1:9460-9463.
  std::string metrics_listen;
  // Mem0 base URL (http only), parsed. Setting ingress.mem0_url or MEM0_URL,
  // default http://127.0.0.1:8000.
  upstream::upstream_url mem0_url;
  // Credential sent to Mem0 as X-API-Key; unset sends none. ingress.mem0_api_key or MEM0_API_KEY.
  std::optional<std::string> mem0_api_key;
  // Peer endpoint lists (see transport/endpoint.hpp). Defaults tcp://127.0.0.1:7100-7107,
  // tcp://127.0.0.1:7200-7207 and tcp://127.0.0.1:7300-7307.
  std::string authz_endpoints;
  std::string ratelimit_endpoints;
  std::string audit_endpoints;
  // Time one stage call may take before it is sent again to another replica. Default 300 ms.
  std::chrono::milliseconds stage_timeout{300};
  // Extra attempts of a stage call on another replica after a timeout. Default 1.
  int stage_retries = 1;
  // Time allowed for one Mem0 exchange, queueing for a connection included. Default 30000 ms.
  std::chrono::milliseconds upstream_timeout{30000};
  // Keep-alive connections to Mem0, at most, shared by all io threads; requests beyond wait for
  // one. Default 64.
  int upstream_connections = 64;
  // An idle pooled connection older than this is closed instead of reused. It must stay below
  // Mem0's own keep-alive timeout (uvicorn's default is 5 s). Default 4000 ms.
  std::chrono::milliseconds upstream_idle_timeout{4000};
  // Largest Mem0 response body relayed; a larger one gets a 502. Default 64 MiB.
  std::size_t upstream_max_body_bytes = 64 * 1024 * 1024;
  // Largest request body accepted; a larger one gets a 413. Default 1 MiB.
  std::size_t max_body_bytes = 1024 * 1024;
  // Largest request header block accepted; a larger one gets a 431. Default 16 KiB.
  std::size_t max_header_bytes = 16 * 1024;
  // Threads running the HTTP event loops, each with its own acceptor and Mem0 pool. Default 1.
  int threads = 1;
  // Time allowed to receive one request once its first byte arrived, and to send one response.
  // Default 30000 ms.
  std::chrono::milliseconds client_timeout{30000};
  // Time a keep-alive connection may wait for the next request before it is closed.
  // Default 60000 ms.
  std::chrono::milliseconds idle_timeout{60000};
  // Client connections open at once, at most; more are closed right after accept. Default 10000.
  int max_connections = 10000;
  // Time a stopping gateway waits for the responses of requests in flight, after it stopped
  // accepting connections. Default 5000 ms.
  std::chrono::milliseconds shutdown_grace{5000};
  // Forwards a read (action "read") whose audit event the sink did not acknowledge, instead of
  // returning 503. Such a read has no audit row. Default false: every forwarded request is
  // audited first.
  bool audit_fail_open_reads = false;
  // Whether every governed request gets an info line "request completed" from the "access"
  // component. ingress.access_log, default true.
  bool access_log = true;
  // Tenants, the first ones seen, that get a label value of their own in
  // memgov_ingress_tenant_requests_total; the others are counted as "other". Bounds the series
  // count. ingress.tenant_label_limit, default 100, 0..10000.
  std::size_t tenant_label_limit = 100;
};

// Reads and validates every ingress setting. Throws config::settings_error naming the setting.
ingress_settings load_ingress_settings(const config::settings_source& source);

}  // namespace memgov::ingress
