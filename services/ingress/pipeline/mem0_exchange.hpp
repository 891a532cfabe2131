// The governance pipeline of one Mem0 request:
//
//   classify -> (rate limit || authz) -> [unknown memory ids: resolve them, authz again]
//     -> decide -> audit, wait for the durable ack
//     -> denied: send the denial
//     -> allowed: forward to Mem0 -> [POST /memories: record the new memories' owner]
//                 -> [list or search: remove foreign records, audit the removal] -> relay
//                 -> audit_outcome with the final status (nothing waits for its ack)
//
// The two bracketed steps in the middle are in memory_resolution.cpp and response_scoping.cpp.
// The admin routes on the ownership registry take the same path up to the audit, and then ask
// the authz stage instead of Mem0 (admin_subjects.cpp).
//
// Every step runs on the io thread of the client connection; stage client completions are posted
// back to it. Nothing blocks, and every step that waits on another process has a timeout.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "gateway_context.hpp"
#include "http/responses.hpp"
#include "pipeline/stage_replies.hpp"
#include "protocol/messages.hpp"
#include "request/classify.hpp"
#include "request/response_records.hpp"
#include "upstream/upstream_pool.hpp"

namespace memgov::ingress::pipeline {

class mem0_exchange : public std::enable_shared_from_this<mem0_exchange> {
 public:
  using finish_handler = std::function<void(http::response_type)>;

  mem0_exchange(const worker_context& context, http::request_type request, std::string request_id,
                std::string source_ip, std::chrono::steady_clock::time_point received_at,
                finish_handler finish);

  // Runs the pipeline; `finish` is called once with the response, on the io thread.
  void start();

 private:
  void ask_stages();
  void ask_authz();
  void on_ratelimit(transport::call_result result);
  void on_authz(transport::call_result result);
  void decide();

  // Sends a gateway response once the audit event is acknowledged. A denial is sent even when
  // the audit event failed.
  void deny(boost::beast::http::status status, std::string decision, std::string error,
            std::string reason);
  // Returns the audit event of this request with every field but event_id, decision, reason and
  // status_code filled in.
  protocol::audit_event audit_event_base() const;
  void send_audit(std::int32_t status_code);
  void on_audit(transport::call_result result);

  // Resolution of memory ids the registry does not know (memory_resolution.cpp).
  void start_resolution();
  void read_next_memory();
  void on_memory_read(upstream::upstream_result result);
  void on_memory_resolved(transport::call_result result);
  void note_unresolved(std::string note);

  // Scoping of list and search responses (response_scoping.cpp).
  bool needs_scoping() const;
  void scope_response();
  void on_scope_owners(transport::call_result result);
  void apply_scope(const std::vector<protocol::subject_ref>& owners);
  void on_removal_audit(transport::call_result result);
  // Replaces the upstream response with a gateway error and sends it.
  void fail_response(boost::beast::http::status status, std::string error, std::string reason);

  // The admin routes, served through the authz stage instead of Mem0 (admin_subjects.cpp).
  void run_admin_route();
  void on_subject_assigned(transport::call_result result);
  void on_subjects_listed(transport::call_result result);
  void fail_admin_route(const std::string& cause);

  void forward();
  void on_upstream(upstream::upstream_result result);
  void record_ownership();
  void on_ownership(transport::call_result result, std::size_t expected);

  void add_rate_limit_headers(http::response_type& response) const;
  void finish(http::response_type response);
  // Records how a forwarded request ended (audit_outcome), after its response was handed over.
  void send_outcome(int status, double elapsed_ms);

  const worker_context& context_;
  http::request_type request_;
  std::string request_id_;
  std::string source_ip_;
  std::chrono::steady_clock::time_point received_at_;
  std::int64_t received_unix_us_ = 0;
  unsigned client_version_ = 11;
  bool client_keep_alive_ = true;
  finish_handler finish_;

  request::classified_request classified_;
  int stages_pending_ = 0;
  stage_outcome<protocol::ratelimit_reply> ratelimit_;
  stage_outcome<protocol::authz_reply> authz_;
  // The request sent to authz, kept to ask again after resolution and to scope the response.
  protocol::authz_request authz_request_;

  // Memory ids being resolved, the index of the next one to read, the request that reads it
  // from Mem0, and why ids could not be resolved (added to a denial's reason).
  std::vector<std::string> unresolved_ids_;
  std::size_t next_unresolved_ = 0;
  http::request_type memory_read_;
  std::string resolution_notes_;

  // The parsed list or search response while it is being scoped.
  std::unique_ptr<request::record_list> records_;

  // The decision and, for a denial, the response held back until the audit ack.
  std::string decision_;
  std::string reason_;
  std::optional<http::response_type> denial_;

  std::string event_id_;  // event_id of the audit_event, repeated in the audit_outcome.
  // The allow decision was stored and Mem0 (for an admin route, the authz stage) was asked.
  bool forwarded_ = false;
  // The allowed request's event was not acknowledged and the client got 503. Its event may
  // still reach a slow sink later, so an outcome with the 503 follows it.
  bool audit_unacknowledged_ = false;
  std::chrono::steady_clock::time_point upstream_started_{};
  int upstream_status_ = 0;          // Mem0's status; 0 when no response arrived.
  double upstream_latency_ms_ = -1;  // Negative when Mem0 was not asked.
  std::string upstream_error_;  // Why Mem0 gave no response: a failed exchange or not forwarded.
  http::response_type upstream_response_;
  std::vector<std::string> new_memory_ids_;
};

}  // namespace memgov::ingress::pipeline
