// Resolution of memory ids that the ownership registry does not know, such as the memories of a
// Mem0 that held data before memgov was put in front of it.
//
//   authz_result with unknown_memory_ids
//     -> for each id: GET /memories/{id} from Mem0 -> ownership_resolve to authz
//     -> authz_check again with memory_ids_resolved set -> decide() as usual
//
// The flow is split this way because each half runs where its dependency already is. The
// ingress holds the Mem0 connection pool and the only upstream credential, and its pool reads
// without blocking on the io thread. The authz stage holds the registry, whose blocking libpqxx
// calls run on its detached store actors. Reading Mem0 from authz would put a second Mem0 client
// and credential in a stage that has no business with Mem0's data.
//
// A memory that cannot be resolved (not found, no user_id, agent_id or run_id, or subjects
// without one common owner) stays unowned, and the policy decides: it denies every role but a
// cross-tenant one. The reason of the denial gives the cause of the failed resolution. A failing
// Mem0 or authz stage is a 503.
//
// NOTE: a failed resolution is not remembered, so every request for such an id reads Mem0 again.
// A short-lived negative cache in the ingress would bound that load if it ever matters.
#include <boost/beast/http/verb.hpp>

#include "log/logger.hpp"
#include "pipeline/mem0_exchange.hpp"
#include "upstream/forwarding.hpp"

namespace memgov::ingress::pipeline {
namespace beast_http = boost::beast::http;
using protocol::message_kind;

namespace {

const log::logger& resolution_logger() {
  static const log::logger logger("pipeline");
  return logger;
}

}  // namespace

void mem0_exchange::start_resolution() {
  unresolved_ids_ = authz_.reply->unknown_memory_ids;
  next_unresolved_ = 0;
  read_next_memory();
}

void mem0_exchange::read_next_memory() {
  if (next_unresolved_ == unresolved_ids_.size()) {
    authz_request_.memory_ids_resolved = true;
    stages_pending_ = 1;
    ask_authz();
    return;
  }
  const ingress_settings& settings = *context_.shared->settings;
  const std::string& id = unresolved_ids_[next_unresolved_];
  memory_read_ = http::request_type(beast_http::verb::get, "/", 11);
  std::string target =
      upstream::upstream_target(settings.mem0_url.base_path, "/memories/" + id, "");
  upstream::forward_headers headers{settings.mem0_url.host_header, &settings.mem0_api_key,
                                    request_id_};
  upstream::prepare_upstream_request(memory_read_, std::move(target), headers);

  auto self = shared_from_this();
  context_.pool->send(
      memory_read_, std::chrono::steady_clock::now() + settings.upstream_timeout,
      [self](upstream::upstream_result result) { self->on_memory_read(std::move(result)); });
}

void mem0_exchange::on_memory_read(upstream::upstream_result result) {
  const std::string& id = unresolved_ids_[next_unresolved_];
  std::string failure;
  if (result.status != upstream::upstream_status::ok) {
    failure = result.error;
  } else if (result.response.result() != beast_http::status::ok) {
    failure = "Mem0 returned HTTP " + std::to_string(result.response.result_int());
  }
  request::memory_lookup lookup;
  if (failure.empty()) {
    lookup = request::read_memory_record(result.response.body());
    failure = lookup.error;
  }
  if (!failure.empty()) {
    resolution_logger().warning_limited(
        "resolve:mem0", "could not read a memory from Mem0 to find its owner",
        {{"request_id", request_id_}, {"memory_id", id}, {"error", failure}});
    deny(beast_http::status::service_unavailable, "error", "upstream_unavailable",
         "Mem0 unavailable while resolving the owner of memory " + id + ": " + failure);
    return;
  }
  if (!lookup.found) {
    note_unresolved("memory " + id + " was not found in Mem0");
    return;
  }
  if (lookup.record.subjects.empty()) {
    note_unresolved("memory " + id + " names no user_id, agent_id or run_id");
    return;
  }

  protocol::ownership_resolve_request resolve{request_id_, id, std::move(lookup.record.subjects)};
  auto self = shared_from_this();
  context_.shared->authz->call(message_kind::ownership_resolve, pack_to_string(resolve),
                               run_on(*context_.io, [self](transport::call_result reply) {
                                 self->on_memory_resolved(std::move(reply));
                               }));
}

void mem0_exchange::on_memory_resolved(transport::call_result result) {
  auto outcome =
      decode_reply<protocol::ownership_resolve_reply>(result, message_kind::ownership_resolved);
  if (!outcome.reply) {
    deny(beast_http::status::service_unavailable, "error", "stage_unavailable",
         context_.shared->authz->peer_stage() + " unavailable: " + outcome.error);
    return;
  }
  if (outcome.reply->owner.empty()) {
    note_unresolved(outcome.reply->reason);
    return;
  }
  resolution_logger().info("resolved the owner of a memory from Mem0",
                           {{"request_id", request_id_},
                            {"memory_id", unresolved_ids_[next_unresolved_]},
                            {"owner", outcome.reply->owner}});
  ++next_unresolved_;
  read_next_memory();
}

void mem0_exchange::note_unresolved(std::string note) {
  if (!resolution_notes_.empty())
    resolution_notes_ += "; ";
  resolution_notes_ += note;
  ++next_unresolved_;
  read_next_memory();
}

}  // namespace memgov::ingress::pipeline
