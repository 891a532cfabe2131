// The admin routes on the ownership registry, after the policy allowed them and their audit
// event is stored:
//
//   assign_subject -> subject_assign to authz -> 201 created | 200 same owner | 409 other owner
//   list_subjects  -> subject_list to authz   -> 200 with one page of subjects
//
// Mem0 is never asked. The audit_outcome records the status, and the reason of a 409 or 503.
#include <nlohmann/json.hpp>

#include "log/logger.hpp"
#include "pipeline/mem0_exchange.hpp"

namespace memgov::ingress::pipeline {
namespace beast_http = boost::beast::http;
using protocol::message_kind;

namespace {

const log::logger& admin_logger() {
  static const log::logger logger("admin_subjects");
  return logger;
}

std::string dump_json(const nlohmann::json& document) {
  return document.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace

void mem0_exchange::run_admin_route() {
  const request::admin_target& target = classified_.admin;
  auto self = shared_from_this();
  if (classified_.route == request::route_id::assign_subject) {
    protocol::subject_assign_request assign{request_id_, target.tenant, target.kind, target.id};
    context_.shared->authz->call(message_kind::subject_assign, pack_to_string(assign),
                                 run_on(*context_.io, [self](transport::call_result result) {
                                   self->on_subject_assigned(std::move(result));
                                 }));
    return;
  }
  protocol::subject_list_request list{request_id_,       target.tenant,   target.kind,
                                      target.after_kind, target.after_id, target.limit};
  context_.shared->authz->call(message_kind::subject_list, pack_to_string(list),
                               run_on(*context_.io, [self](transport::call_result result) {
                                 self->on_subjects_listed(std::move(result));
                               }));
}

void mem0_exchange::on_subject_assigned(transport::call_result result) {
  auto outcome =
      decode_reply<protocol::subject_assign_reply>(result, message_kind::subject_assigned);
  if (!outcome.reply) {
    fail_admin_route(outcome.error);
    return;
  }
  const request::admin_target& target = classified_.admin;
  const protocol::subject_assign_reply& reply = *outcome.reply;
  if (reply.owner != target.tenant) {
    // Reassignment is not offered: the authz stage caches owners without expiry, so a changed
    // owner would not be seen by the replicas that cached the old one.
    reason_ = "subject " + target.kind + ":" + target.id + " belongs to " + reply.owner +
              "; an assigned subject is never reassigned";
    upstream_error_ = reason_;
    http::response_type response =
        http::error_response(beast_http::status::conflict, "conflict", reason_, request_id_,
                             client_version_, client_keep_alive_);
    add_rate_limit_headers(response);
    finish(std::move(response));
    return;
  }
  nlohmann::json body{{"tenant", reply.owner},
                      {"kind", target.kind},
                      {"id", target.id},
                      {"claimed_at", reply.claimed_at},
                      {"created", reply.created}};
  http::response_type response =
      http::json_response(reply.created ? beast_http::status::created : beast_http::status::ok,
                          dump_json(body), request_id_, client_version_, client_keep_alive_);
  add_rate_limit_headers(response);
  finish(std::move(response));
}

void mem0_exchange::on_subjects_listed(transport::call_result result) {
  auto outcome = decode_reply<protocol::subject_list_reply>(result, message_kind::subject_listed);
  if (!outcome.reply) {
    fail_admin_route(outcome.error);
    return;
  }
  const protocol::subject_list_reply& reply = *outcome.reply;
  nlohmann::json subjects = nlohmann::json::array();
  for (const protocol::owned_subject& subject : reply.subjects) {
    subjects.push_back(
        {{"kind", subject.kind}, {"id", subject.id}, {"claimed_at", subject.claimed_at}});
  }
  nlohmann::json next_cursor = nullptr;
  if (reply.more && !reply.subjects.empty()) {
    next_cursor = request::subject_cursor(reply.subjects.back().kind, reply.subjects.back().id);
  }
  nlohmann::json body{{"tenant", classified_.admin.tenant},
                      {"subjects", std::move(subjects)},
                      {"next_cursor", std::move(next_cursor)}};
  http::response_type response = http::json_response(
      beast_http::status::ok, dump_json(body), request_id_, client_version_, client_keep_alive_);
  add_rate_limit_headers(response);
  finish(std::move(response));
}

void mem0_exchange::fail_admin_route(const std::string& cause) {
  reason_ = context_.shared->authz->peer_stage() + " unavailable: " + cause;
  upstream_error_ = reason_;
  admin_logger().warning_limited("admin:" + std::string(request::route_name(classified_.route)),
                                 "admin request failed",
                                 {{"request_id", request_id_}, {"error", reason_}});
  http::response_type response =
      http::error_response(beast_http::status::service_unavailable, "stage_unavailable", reason_,
                           request_id_, client_version_, client_keep_alive_);
  add_rate_limit_headers(response);
  finish(std::move(response));
}

}  // namespace memgov::ingress::pipeline
