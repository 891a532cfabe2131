// Audit events for requests that the HTTP session rejects before the pipeline receives them: bytes
// that are not HTTP/1.1, ambiguous body framing, and header blocks or bodies over the limits.
#pragma once

#include <cstdint>
#include <functional>
#include <string>

#include "gateway_context.hpp"
#include "request/header_field.hpp"

namespace memgov::ingress::http {

struct rejected_request {
  std::string request_id;
  std::string method;  // Empty when the header block could not be parsed.
  std::string path;    // Printable excerpt of the raw path; empty likewise.
  std::string reason;
  std::int32_t status_code = 0;  // Status of the error response.
  std::string source_ip;
  std::int64_t received_unix_us = 0;
  double latency_ms = 0;
};

// Sends the audit event (decision "invalid_request") of `rejected`. The caller, tenant and roles
// come from the identity headers in `headers` as far as they pass their checks, so that the row
// shows up in the tenant's audit queries. Calls `done` on `context.io` once the audit stage has
// acknowledged the event or the call has failed. A failure is logged (rate-limited) and counted,
// and the rejection goes ahead regardless, as for requests that the pipeline refuses.
void audit_rejection(const worker_context& context, const rejected_request& rejected,
                     request::header_list headers, std::function<void()> done);

}  // namespace memgov::ingress::http
