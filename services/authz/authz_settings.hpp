// Settings of the authz stage, read once at start and validated.
#pragma once

#include <chrono>
#include <cstddef>
#include <string>

#include "config/settings_source.hpp"

namespace memgov::authz {

// Parts of an http:// URL that the OPA client needs.
struct http_url {
  std::string host;
  std::string port;    // Numeric port; "80" when the URL names none.
  std::string prefix;  // Path before /v1/data, without a trailing slash; usually "".
};

// Parses "http://host[:port][/prefix]". Throws config::settings_error naming
// `setting` when the text is not such a URL (https is not supported).
http_url parse_http_url(const std::string& setting, const std::string& text);

struct authz_settings {
  // authz.bind: ZeroMQ endpoint range; the first free port is bound.
  // Default tcp://127.0.0.1:7100-7107.
  std::string bind;
  // authz.metrics_listen: host:port range of the Prometheus endpoint.
  // Default 127.0.0.1:9470-9477.
  std::string metrics_listen;
  // authz.opa_url (alias OPA_URL): base URL of OPA. Default http://127.0.0.1:8181.
  std::string opa_url;
  http_url opa;
  // authz.opa_timeout_ms: bound on one policy evaluation, connect and queueing
  // included, in milliseconds. Default 200.
  std::chrono::milliseconds opa_timeout{200};
  // authz.opa_connections: keep-alive connections to OPA, at most. Default 4.
  std::size_t opa_connections = 4;
  // authz.database_url (alias DATABASE_URL): libpq connection string or URL of
  // the ownership registry. Default postgresql://127.0.0.1:5432/memgov.
  std::string database_url;
  // authz.database_connections: PostgreSQL connections, one detached actor
  // each. Default 2.
  std::size_t database_connections = 2;
  // authz.database_timeout_ms: bound on one registry call (statement timeout
  // and the wait for the actor's reply), in milliseconds. Default 250.
  std::chrono::milliseconds database_timeout{250};
  // authz.owner_cache_entries: owners kept in memory, at most; 0 disables the
  // cache. Default 100000.
  std::size_t owner_cache_entries = 100000;
  // authz.decision_cache_ttl_ms: how long a policy outcome is reused for an
  // identical input, in milliseconds; 0 asks OPA for every request. A policy
  // change or a time-based rule takes effect at most this late. Default 1000.
  std::chrono::milliseconds decision_cache_ttl{1000};
  // authz.decision_cache_entries: outcomes kept, at most. Default 10000.
  std::size_t decision_cache_entries = 10000;
};

// Reads and validates the settings. Throws config::settings_error naming the
// bad setting.
authz_settings load_authz_settings(const config::settings_source& source);

}  // namespace memgov::authz
