// Scoping of list and search responses to the caller's tenant, the second wall behind the
// request checks (see request/record_scope.hpp for the rule).
//
//   Mem0's 200 response -> parse the records once
//     -> [records naming ids the request did not name: one ownership_lookup to authz]
//     -> remove foreign records -> [any removed: audit the removal, wait for the ack] -> relay
//
// A caller that the policy exempts from tenant isolation (cross_tenant) gets the response as
// Mem0 sent it. A body that cannot be read as records is replaced by a 502, and a failed owner
// lookup by a 503, because relaying records that were not checked would skip the wall.
//
// NOTE: GET /memories/{id} and its history are not scoped (the request check decided on the
// memory id), nor is the "relations" list of graph memory, which names entities, not memories.
// Scoping the single record too would need a registry lookup for its subjects on every read.
#include "http/request_id.hpp"
#include "log/logger.hpp"
#include "pipeline/mem0_exchange.hpp"
#include "request/record_scope.hpp"
#include "request/subjects.hpp"

namespace memgov::ingress::pipeline {
namespace beast_http = boost::beast::http;
using protocol::message_kind;

namespace {

// Removed records named one by one in the audit reason; the rest are counted.
constexpr std::size_t kMaxRemovedListed = 20;

const log::logger& scoping_logger() {
  static const log::logger logger("pipeline");
  return logger;
}

std::string removal_reason(const request::scope_result& scoped, std::size_t total) {
  std::string reason =
      "foreign record removed from response: " + std::to_string(scoped.removed.size()) + " of " +
      std::to_string(total) + " records";
  std::size_t listed = 0;
  for (const request::removed_record& removed : scoped.removed) {
    if (listed == kMaxRemovedListed) {
      reason += ", and " + std::to_string(scoped.removed.size() - listed) + " more";
      break;
    }
    reason += listed == 0 ? " (" : ", ";
    reason +=
        "memory " + (removed.memory_id.empty() ? std::string("without id") : removed.memory_id);
    reason += removed.owner.empty() ? " has no owning tenant" : " belongs to " + removed.owner;
    ++listed;
  }
  if (listed > 0 && listed == scoped.removed.size())
    reason += ")";
  return reason;
}

}  // namespace

bool mem0_exchange::needs_scoping() const {
  bool listing = classified_.route == request::route_id::list_memories ||
                 classified_.route == request::route_id::search;
  return listing && upstream_response_.result() == beast_http::status::ok && authz_.reply &&
         !authz_.reply->cross_tenant;
}

void mem0_exchange::scope_response() {
  records_ = std::make_unique<request::record_list>(upstream_response_.body());
  if (!records_->error().empty()) {
    fail_response(beast_http::status::bad_gateway, "upstream_invalid_response",
                  "Mem0's response could not be scoped to the tenant: " + records_->error());
    return;
  }
  std::vector<protocol::subject_ref> needed =
      request::owners_needed(records_->records(), authz_request_.subjects);
  if (needed.empty()) {
    apply_scope({});
    return;
  }
  protocol::ownership_lookup_request lookup{request_id_, std::move(needed)};
  auto self = shared_from_this();
  context_.shared->authz->call(message_kind::ownership_lookup, pack_to_string(lookup),
                               run_on(*context_.io, [self](transport::call_result result) {
                                 self->on_scope_owners(std::move(result));
                               }));
}

void mem0_exchange::on_scope_owners(transport::call_result result) {
  auto outcome =
      decode_reply<protocol::ownership_lookup_reply>(result, message_kind::ownership_owners);
  if (!outcome.reply) {
    fail_response(beast_http::status::service_unavailable, "stage_unavailable",
                  context_.shared->authz->peer_stage() +
                      " unavailable while scoping the response: " + outcome.error);
    return;
  }
  apply_scope(outcome.reply->subjects);
}

void mem0_exchange::apply_scope(const std::vector<protocol::subject_ref>& owners) {
  request::scope_result scoped = request::scope_records(
      records_->records(), authz_request_.subjects, owners, classified_.identity.tenant);
  if (scoped.removed.empty()) {
    records_.reset();
    finish(std::move(upstream_response_));
    return;
  }

  std::size_t total = records_->records().size();
  upstream_response_.body() = records_->without(scoped.keep);
  upstream_response_.prepare_payload();
  records_.reset();

  protocol::audit_event event = audit_event_base();
  event.event_id = http::generate_uuid_v4();
  event.decision = "deny";
  event.reason = removal_reason(scoped, total);
  event.status_code = upstream_response_.result_int();
  context_.shared->metrics->removed_records().Increment(static_cast<double>(scoped.removed.size()));
  scoping_logger().error("removed foreign records from a Mem0 response",
                         {{"request_id", request_id_},
                          {"tenant", classified_.identity.tenant},
                          {"reason", event.reason}});

  auto self = shared_from_this();
  context_.shared->audit->call(message_kind::audit_event, pack_to_string(event),
                               run_on(*context_.io, [self](transport::call_result result) {
                                 self->on_removal_audit(std::move(result));
                               }));
}

void mem0_exchange::on_removal_audit(transport::call_result result) {
  auto outcome = decode_reply<protocol::audit_ack>(result, message_kind::audit_ack);
  if (!outcome.reply || !outcome.reply->durable) {
    // The scoped response is still sent: it holds only the caller's records, and the error log
    // above already names the removal.
    std::string cause =
        outcome.reply ? "event not stored: " + outcome.reply->reason : outcome.error;
    context_.shared->metrics->audit_failure("deny").Increment();
    scoping_logger().warning_limited("audit:removal",
                                     "audit event of a response removal was not stored",
                                     {{"request_id", request_id_},
                                      {"peer_stage", context_.shared->audit->peer_stage()},
                                      {"error", cause}});
  }
  finish(std::move(upstream_response_));
}

void mem0_exchange::fail_response(beast_http::status status, std::string error,
                                  std::string reason) {
  scoping_logger().warning_limited("scope:" + error, "list or search response not relayed",
                                   {{"request_id", request_id_}, {"error", reason}});
  records_.reset();
  reason_ = reason;
  upstream_error_ = reason;
  http::response_type response =
      http::error_response(status, error, reason, request_id_, client_version_, client_keep_alive_);
  add_rate_limit_headers(response);
  finish(std::move(response));
}

}  // namespace memgov::ingress::pipeline
