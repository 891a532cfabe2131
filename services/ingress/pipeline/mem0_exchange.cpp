#include "pipeline/mem0_exchange.hpp"

#include <cstdio>
#include <vector>

#include <boost/beast/http/field.hpp>

#include "access_log.hpp"
#include "http/request_id.hpp"
#include "log/logger.hpp"
#include "request/identifier.hpp"
#include "request/response_ids.hpp"
#include "request/routes.hpp"
#include "upstream/forwarding.hpp"

namespace memgov::ingress::pipeline {
namespace beast_http = boost::beast::http;
using clock_type = std::chrono::steady_clock;
using protocol::message_kind;

namespace {

const log::logger& pipeline_logger() {
  static const log::logger logger("pipeline");
  return logger;
}

std::string_view view(boost::beast::string_view text) {
  return {text.data(), text.size()};
}

std::string join_roles(const std::vector<std::string>& roles) {
  std::string joined;
  for (const auto& role : roles) {
    if (!joined.empty())
      joined += ',';
    joined += role;
  }
  return joined;
}

// Returns the path for logs and audit rows: the normalized one when the path passed
// normalization, else a printable excerpt of the raw path, which may hold any bytes.
std::string logged_path(const request::classified_request& classified,
                        const http::request_type& request) {
  if (!classified.path.empty())
    return classified.path;
  std::string_view target = view(request.target());
  return request::excerpt_for_reason(target.substr(0, target.find('?')));
}

double milliseconds_since(clock_type::time_point start) {
  return std::chrono::duration<double, std::milli>(clock_type::now() - start).count();
}

// Returns the classifier's view of the request headers. The vector is reused by every request
// of the thread, and its views point into `request`.
request::header_list header_views(const http::request_type& request) {
  thread_local std::vector<request::header_field> fields;
  fields.clear();
  for (const auto& field : request) {
    fields.push_back({view(field.name_string()), view(field.value())});
  }
  return request::header_list(fields);
}

}  // namespace

mem0_exchange::mem0_exchange(const worker_context& context, http::request_type request,
                             std::string request_id, std::string source_ip,
                             clock_type::time_point received_at, finish_handler finish)
    : context_(context),
      request_(std::move(request)),
      request_id_(std::move(request_id)),
      source_ip_(std::move(source_ip)),
      received_at_(received_at),
      finish_(std::move(finish)) {
  received_unix_us_ = std::chrono::duration_cast<std::chrono::microseconds>(
                          std::chrono::system_clock::now().time_since_epoch())
                          .count();
  client_version_ = request_.version();
  client_keep_alive_ = request_.keep_alive();
}

void mem0_exchange::start() {
  request::request_input input{view(request_.method_string()), view(request_.target()),
                               header_views(request_), request_.body()};
  classified_ = request::classify_request(input);
  switch (classified_.status) {
    case request::request_status::invalid:
      deny(beast_http::status::bad_request, "invalid_request", "invalid_request",
           classified_.reason);
      return;
    case request::request_status::unknown_route:
      // A 403 rather than 404 or 405: the gateway does not reveal which paths Mem0 serves.
      deny(beast_http::status::forbidden, "deny", "forbidden", classified_.reason);
      return;
    case request::request_status::ok:
      ask_stages();
      return;
  }
}

void mem0_exchange::ask_stages() {
  const request::caller_identity& identity = classified_.identity;
  boost::asio::io_context& io = *context_.io;
  auto self = shared_from_this();
  stages_pending_ = 2;

  protocol::ratelimit_request limit_request{request_id_, identity.tenant, identity.actor,
                                            identity.roles.empty() ? "" : identity.roles.front()};
  context_.shared->ratelimit->call(
      message_kind::ratelimit_check, pack_to_string(limit_request),
      run_on(io, [self](transport::call_result result) { self->on_ratelimit(std::move(result)); }));

  authz_request_.request_id = request_id_;
  authz_request_.tenant = identity.tenant;
  authz_request_.actor = identity.actor;
  authz_request_.roles = identity.roles;
  authz_request_.action = std::string(classified_.action);
  authz_request_.method = std::string(view(request_.method_string()));
  authz_request_.path = classified_.path;
  authz_request_.resource = classified_.resource;
  authz_request_.subjects = std::move(classified_.subjects);
  authz_request_.time_unix_ms = received_unix_us_ / 1000;
  authz_request_.target_tenant = classified_.admin.tenant;
  ask_authz();
}

void mem0_exchange::ask_authz() {
  auto self = shared_from_this();
  context_.shared->authz->call(message_kind::authz_check, pack_to_string(authz_request_),
                               run_on(*context_.io, [self](transport::call_result result) {
                                 self->on_authz(std::move(result));
                               }));
}

void mem0_exchange::on_ratelimit(transport::call_result result) {
  ratelimit_ = decode_reply<protocol::ratelimit_reply>(result, message_kind::ratelimit_result);
  if (--stages_pending_ == 0)
    decide();
}

void mem0_exchange::on_authz(transport::call_result result) {
  authz_ = decode_reply<protocol::authz_reply>(result, message_kind::authz_result);
  if (--stages_pending_ == 0)
    decide();
}

void mem0_exchange::decide() {
  // A known denial wins even when the other stage failed, because the request is refused either
  // way and the denial gives the client a more precise reason than a 503 would.
  if (ratelimit_.reply && !ratelimit_.reply->allowed) {
    deny(beast_http::status::too_many_requests, "rate_limited", "rate_limited",
         "rate limit of " + std::to_string(ratelimit_.reply->limit) +
             " requests per window exceeded; retry after " +
             http::retry_after_value(ratelimit_.reply->retry_after_seconds) + " s");
    return;
  }
  // A reply that lists unknown memory ids is not a decision yet. Resolution waits for a working
  // rate limit stage too, so that a failed stage is reported at once instead of after a Mem0
  // read.
  bool needs_resolution = authz_.reply && !authz_.reply->unknown_memory_ids.empty() &&
                          !authz_request_.memory_ids_resolved;
  if (needs_resolution && ratelimit_.reply) {
    start_resolution();
    return;
  }
  if (authz_.reply && !needs_resolution && !authz_.reply->allowed &&
      !authz_.reply->dependency_failed) {
    std::string reason = authz_.reply->reason.empty() ? "denied by policy" : authz_.reply->reason;
    if (!resolution_notes_.empty())
      reason += "; " + resolution_notes_;
    deny(beast_http::status::forbidden, "deny", "forbidden", std::move(reason));
    return;
  }

  // Every failed stage is named, so that the reason points at each process to look at.
  std::string failures;
  auto note_failure = [&](const transport::stage_client& stage, const std::string& cause) {
    pipeline_logger().warning_limited("stage:" + stage.peer_stage(),
                                      "stage call failed; request refused",
                                      {{"request_id", request_id_},
                                       {"tenant", classified_.identity.tenant},
                                       {"actor", classified_.identity.actor},
                                       {"peer_stage", stage.peer_stage()},
                                       {"error", cause}});
    if (!failures.empty())
      failures += "; ";
    failures += stage.peer_stage() + " unavailable: " + cause;
  };
  if (!ratelimit_.reply)
    note_failure(*context_.shared->ratelimit, ratelimit_.error);
  if (!authz_.reply) {
    note_failure(*context_.shared->authz, authz_.error);
  } else if (!authz_.reply->allowed && authz_.reply->dependency_failed) {
    // The authz stage replied but could not decide, because OPA or its ownership registry
    // failed. That is an unavailable stage, not a policy denial.
    note_failure(*context_.shared->authz, authz_.reply->reason.empty()
                                              ? std::string("a dependency of authz failed")
                                              : authz_.reply->reason);
  }
  if (!failures.empty()) {
    deny(beast_http::status::service_unavailable, "error", "stage_unavailable",
         std::move(failures));
    return;
  }

  decision_ = "allow";
  send_audit(0);
}

void mem0_exchange::deny(beast_http::status status, std::string decision, std::string error,
                         std::string reason) {
  decision_ = std::move(decision);
  reason_ = std::move(reason);
  denial_ = http::error_response(status, error, reason_, request_id_, client_version_,
                                 client_keep_alive_);
  if (status == beast_http::status::too_many_requests) {
    denial_->set(beast_http::field::retry_after,
                 http::retry_after_value(ratelimit_.reply->retry_after_seconds));
  }
  add_rate_limit_headers(*denial_);
  send_audit(static_cast<std::int32_t>(status));
}

protocol::audit_event mem0_exchange::audit_event_base() const {
  const request::caller_identity& identity = classified_.identity;
  protocol::audit_event event;
  event.timestamp_unix_us = received_unix_us_;
  event.request_id = request_id_;
  event.tenant_id = identity.tenant;
  event.actor_id = identity.actor;
  event.actor_role = join_roles(identity.roles);
  event.action = std::string(classified_.action);
  event.resource = classified_.resource;
  event.method = std::string(view(request_.method_string()));
  event.path = logged_path(classified_, request_);
  event.latency_ms = milliseconds_since(received_at_);
  event.source_ip = source_ip_;
  if (authz_.reply)
    event.policy_revision = authz_.reply->policy_revision;
  return event;
}

void mem0_exchange::send_audit(std::int32_t status_code) {
  protocol::audit_event event = audit_event_base();
  event_id_ = http::generate_uuid_v4();
  event.event_id = event_id_;
  event.decision = decision_;
  event.reason = reason_;
  // An allowed request is audited before Mem0 responds, so its row carries status 0. The
  // audit_outcome sent after the response records the status (see send_outcome()).
  event.status_code = status_code;

  auto self = shared_from_this();
  context_.shared->audit->call(message_kind::audit_event, pack_to_string(event),
                               run_on(*context_.io, [self](transport::call_result result) {
                                 self->on_audit(std::move(result));
                               }));
}

void mem0_exchange::on_audit(transport::call_result result) {
  auto outcome = decode_reply<protocol::audit_ack>(result, message_kind::audit_ack);
  bool durable = outcome.reply && outcome.reply->durable;
  std::string cause;
  if (!durable) {
    cause = outcome.reply ? "event not stored: " + outcome.reply->reason : outcome.error;
    context_.shared->metrics->audit_failure(decision_).Increment();
  }

  if (denial_) {
    if (!durable) {
      pipeline_logger().warning_limited("audit:refused",
                                        "audit event of a refused request was not stored",
                                        {{"request_id", request_id_},
                                         {"tenant", classified_.identity.tenant},
                                         {"actor", classified_.identity.actor},
                                         {"decision", decision_},
                                         {"peer_stage", context_.shared->audit->peer_stage()},
                                         {"error", cause}});
    }
    http::response_type response = std::move(*denial_);
    denial_.reset();
    finish(std::move(response));
    return;
  }
  bool fail_open = !durable && context_.shared->settings->audit_fail_open_reads &&
                   classified_.action == request::kActionRead;
  if (fail_open) {
    context_.shared->metrics->audit_fail_open_reads().Increment();
    pipeline_logger().warning_limited("audit:fail_open",
                                      "audit event was not stored; read forwarded because "
                                      "ingress.audit_fail_open_reads is on",
                                      {{"request_id", request_id_},
                                       {"peer_stage", context_.shared->audit->peer_stage()},
                                       {"error", cause}});
  }
  if (!durable && !fail_open) {
    pipeline_logger().warning_limited("audit:allowed",
                                      "audit event was not stored; request not forwarded",
                                      {{"request_id", request_id_},
                                       {"tenant", classified_.identity.tenant},
                                       {"actor", classified_.identity.actor},
                                       {"peer_stage", context_.shared->audit->peer_stage()},
                                       {"error", cause}});
    decision_ = "error";
    reason_ = context_.shared->audit->peer_stage() + " unavailable: " + cause;
    upstream_error_ = "not forwarded: " + reason_;
    audit_unacknowledged_ = true;
    http::response_type response =
        http::error_response(beast_http::status::service_unavailable, "audit_unavailable", reason_,
                             request_id_, client_version_, client_keep_alive_);
    add_rate_limit_headers(response);
    finish(std::move(response));
    return;
  }
  forwarded_ = true;
  if (request::is_admin_route(classified_.route)) {
    run_admin_route();
    return;
  }
  forward();
}

void mem0_exchange::forward() {
  const ingress_settings& settings = *context_.shared->settings;
  std::string target = upstream::upstream_target(settings.mem0_url.base_path, classified_.path,
                                                 view(request_.target()));
  upstream::forward_headers headers{settings.mem0_url.host_header, &settings.mem0_api_key,
                                    request_id_};
  upstream::prepare_upstream_request(request_, std::move(target), headers);

  upstream_started_ = clock_type::now();
  auto self = shared_from_this();
  context_.pool->send(
      request_, upstream_started_ + settings.upstream_timeout,
      [self](upstream::upstream_result result) { self->on_upstream(std::move(result)); });
}

void mem0_exchange::on_upstream(upstream::upstream_result result) {
  ingress_metrics& metrics = *context_.shared->metrics;
  double upstream_seconds =
      std::chrono::duration<double>(clock_type::now() - upstream_started_).count();
  metrics.upstream_seconds().Observe(upstream_seconds);
  upstream_latency_ms_ = upstream_seconds * 1000.0;

  if (result.status != upstream::upstream_status::ok) {
    metrics.upstream_error(upstream::to_string(result.status)).Increment();
    pipeline_logger().warning_limited(std::string("upstream:") + upstream::to_string(result.status),
                                      "Mem0 exchange failed",
                                      {{"request_id", request_id_},
                                       {"tenant", classified_.identity.tenant},
                                       {"actor", classified_.identity.actor},
                                       {"error", result.error}});
    bool timed_out = result.status == upstream::upstream_status::timed_out;
    reason_ = result.error;
    upstream_error_ = result.error;
    http::response_type response = http::error_response(
        timed_out ? beast_http::status::gateway_timeout : beast_http::status::bad_gateway,
        timed_out ? "upstream_timeout" : "upstream_unavailable", result.error, request_id_,
        client_version_, client_keep_alive_);
    add_rate_limit_headers(response);
    finish(std::move(response));
    return;
  }

  upstream_response_ = std::move(result.response);
  upstream_status_ = upstream_response_.result_int();
  upstream::prepare_client_response(upstream_response_, request_id_, client_version_,
                                    client_keep_alive_);
  add_rate_limit_headers(upstream_response_);

  if (needs_scoping()) {
    scope_response();
    return;
  }
  if (classified_.route == request::route_id::add_memories &&
      upstream_response_.result() == beast_http::status::ok) {
    for (auto& event : request::extract_memory_events(upstream_response_.body())) {
      if (event.kind == request::memory_event_kind::add)
        new_memory_ids_.push_back(std::move(event.id));
    }
    if (!new_memory_ids_.empty()) {
      record_ownership();
      return;
    }
  }
  finish(std::move(upstream_response_));
}

void mem0_exchange::record_ownership() {
  protocol::ownership_record_request record;
  record.request_id = request_id_;
  record.tenant = classified_.identity.tenant;
  record.subjects.reserve(new_memory_ids_.size());
  for (const auto& id : new_memory_ids_)
    record.subjects.push_back({"memory_id", id, ""});
  std::size_t expected = new_memory_ids_.size();

  auto self = shared_from_this();
  context_.shared->authz->call(message_kind::ownership_record, pack_to_string(record),
                               run_on(*context_.io, [self, expected](transport::call_result r) {
                                 self->on_ownership(std::move(r), expected);
                               }));
}

void mem0_exchange::on_ownership(transport::call_result result, std::size_t expected) {
  auto outcome =
      decode_reply<protocol::ownership_record_reply>(result, message_kind::ownership_recorded);
  if (!outcome.reply || outcome.reply->recorded < expected) {
    std::string ids;
    for (const auto& id : new_memory_ids_) {
      if (!ids.empty())
        ids += ',';
      ids += id;
    }
    std::string cause = outcome.reply
                            ? "authz recorded " + std::to_string(outcome.reply->recorded) + " of " +
                                  std::to_string(expected) + " memories"
                            : outcome.error;
    // TODO: these memories exist in Mem0 without a recorded owner, so the policy treats them as
    // unowned. A durable retry queue for ownership records would close this gap.
    context_.shared->metrics->ownership_failures().Increment(static_cast<double>(expected));
    pipeline_logger().error("ownership of new memories was not recorded",
                            {{"request_id", request_id_},
                             {"tenant", classified_.identity.tenant},
                             {"memory_ids", ids},
                             {"error", cause}});
  }
  finish(std::move(upstream_response_));
}

void mem0_exchange::add_rate_limit_headers(http::response_type& response) const {
  if (ratelimit_.reply)
    http::set_rate_limit_headers(response, *ratelimit_.reply);
}

void mem0_exchange::finish(http::response_type response) {
  int status = response.result_int();
  double elapsed_ms = milliseconds_since(received_at_);
  std::string_view route = request::route_name(classified_.route);
  std::string_view action = classified_.action.empty() ? "none" : classified_.action;
  context_.shared->metrics->record_request(route, action, decision_, status, elapsed_ms / 1000.0);
  context_.shared->metrics->record_tenant_request(classified_.identity.tenant, decision_);
  std::string path = logged_path(classified_, request_);
  context_.shared->access->record(
      {request_id_, classified_.identity.tenant, classified_.identity.actor, route, action,
       view(request_.method_string()), path, decision_, reason_, status, elapsed_ms});
  finish_handler done = std::move(finish_);
  done(std::move(response));
  if (forwarded_ || audit_unacknowledged_)
    send_outcome(status, elapsed_ms);
}

void mem0_exchange::send_outcome(int status, double elapsed_ms) {
  protocol::audit_outcome outcome;
  outcome.event_id = event_id_;
  outcome.timestamp_unix_us = received_unix_us_;
  outcome.request_id = request_id_;
  outcome.status_code = status;
  outcome.upstream_status = upstream_status_;
  outcome.upstream_latency_ms = upstream_latency_ms_;
  outcome.latency_ms = elapsed_ms;
  outcome.error = upstream_error_;
  outcome.completed_unix_us = std::chrono::duration_cast<std::chrono::microseconds>(
                                  std::chrono::system_clock::now().time_since_epoch())
                                  .count();
  // The response is already on its way, so nothing waits for this acknowledgement. The
  // completion only counts and logs, which is quick and thread-safe, so it runs on the stage
  // client's thread and keeps no reference to this exchange.
  // Only the outcome of a forwarded request counts as lost: the 503 sent because no sink
  // acknowledged the event usually finds no sink for its outcome either.
  const gateway_context* shared = context_.shared;
  context_.shared->audit->call(
      message_kind::audit_outcome, pack_to_string(outcome),
      [shared, request_id = request_id_, forwarded = forwarded_](transport::call_result result) {
        auto ack = decode_reply<protocol::audit_ack>(result, message_kind::audit_ack);
        if (ack.reply && ack.reply->durable)
          return;
        std::string cause = ack.reply ? "outcome not stored: " + ack.reply->reason : ack.error;
        if (forwarded)
          shared->metrics->audit_outcome_failures().Increment();
        pipeline_logger().warning_limited("audit:outcome", "audit outcome was not stored",
                                          {{"request_id", request_id},
                                           {"peer_stage", shared->audit->peer_stage()},
                                           {"error", cause}});
      });
}

}  // namespace memgov::ingress::pipeline
