// Message bodies exchanged between the stages over ZeroMQ.
//
// Each body is a msgpack array (MSGPACK_DEFINE_ARRAY), so fields are matched by
// position. A new field is only ever appended at the end, which keeps older
// readers working: msgpack-cxx leaves trailing fields that the sender did not
// send at their default values. Removing or reordering a field needs a new
// kProtocolVersion.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <msgpack.hpp>

namespace memgov::protocol {

// Version of the wire format carried in every envelope. A receiver rejects an
// envelope whose version differs from its own.
inline constexpr std::uint8_t kProtocolVersion = 1;

enum class message_kind : std::uint8_t {
  ping = 1,
  pong = 2,
  ratelimit_check = 10,
  ratelimit_result = 11,
  authz_check = 20,
  authz_result = 21,
  ownership_record = 22,
  ownership_recorded = 23,
  ownership_resolve = 24,
  ownership_resolved = 25,
  ownership_lookup = 26,
  ownership_owners = 27,
  subject_assign = 40,
  subject_assigned = 41,
  subject_list = 42,
  subject_listed = 43,
  audit_event = 30,
  audit_ack = 31,
  audit_outcome = 32,
  error = 255,
};

// Returns a stable lower-case name of a kind, for logs and metric labels.
const char* to_string(message_kind kind);

// Sent in reply to any request the receiver could not handle (bad envelope,
// unknown kind, dependency down). The requester treats it as a failure of
// that stage and fails closed.
struct error_reply {
  std::string reason;
  MSGPACK_DEFINE_ARRAY(reason);
};

struct ping_request {
  std::string sender;  // Stage name of the requester, for logs.
  MSGPACK_DEFINE_ARRAY(sender);
};

struct pong_reply {
  std::string stage;     // Stage name of the replier ("authz", ...).
  std::string instance;  // Replica identity: host, pid and bound endpoint.
  bool ready = false;    // Whether the replier's own dependencies answer.
  MSGPACK_DEFINE_ARRAY(stage, instance, ready);
};

struct ratelimit_request {
  std::string request_id;
  std::string tenant;
  std::string actor;
  std::string role;
  MSGPACK_DEFINE_ARRAY(request_id, tenant, actor, role);
};

struct ratelimit_reply {
  bool allowed = false;
  std::uint32_t limit = 0;          // Requests admitted per window for this role.
  std::uint32_t remaining = 0;      // Requests still admitted in the current window.
  std::uint32_t reset_seconds = 0;  // Seconds until the oldest counted request leaves the window.
  std::uint32_t retry_after_seconds = 0;  // Set when denied; at least 1.
  MSGPACK_DEFINE_ARRAY(allowed, limit, remaining, reset_seconds, retry_after_seconds);
};

// One identifier named by a request: kind is "user_id", "agent_id", "run_id"
// or "memory_id". tenant is the owner the authz stage found ("" when none);
// the ingress leaves it empty.
struct subject_ref {
  std::string kind;
  std::string id;
  std::string tenant;
  MSGPACK_DEFINE_ARRAY(kind, id, tenant);
};

struct authz_request {
  std::string request_id;
  std::string tenant;
  std::string actor;
  std::vector<std::string> roles;
  std::string action;    // "read", "write", "delete" or "admin".
  std::string method;    // HTTP method as received.
  std::string path;      // Normalized path that Mem0 will route.
  std::string resource;  // Summary for the audit row, e.g. "user_id:alice".
  std::vector<subject_ref> subjects;
  std::int64_t time_unix_ms = 0;  // When the ingress received the request.
  // True when the ingress already tried to resolve the request's unknown memory ids from Mem0
  // (see ownership_resolve_request). The authz stage then decides with the owners it has instead
  // of asking for resolution again.
  bool memory_ids_resolved = false;
  // Tenant that an admin request ("subjects.assign", "subjects.list") acts on. When it is set,
  // the authz stage gives it to the policy as resource_tenant and looks up no owners.
  std::string target_tenant;
  MSGPACK_DEFINE_ARRAY(request_id, tenant, actor, roles, action, method, path, resource, subjects,
                       time_unix_ms, memory_ids_resolved, target_tenant);
};

struct authz_reply {
  bool allowed = false;
  std::string reason;           // Why it was denied, or empty when allowed.
  std::string resource_tenant;  // Owner of the target as given to the policy.
  std::string policy_revision;  // Revision string the policy reported, if any.
  // True when the denial comes from a failed dependency (OPA or the ownership
  // registry) rather than from the policy, so the ingress answers 503.
  bool dependency_failed = false;
  // Memory ids of the request that the registry has no owner for. When it is not empty, the
  // request was not evaluated and allowed is false. The ingress then reads these memories from
  // Mem0, sends an ownership_resolve for each, and sends the request again with
  // memory_ids_resolved set.
  std::vector<std::string> unknown_memory_ids;
  // True when the policy exempts the caller from tenant isolation (cross_tenant in the decision
  // document), which also exempts the caller's responses from scoping.
  bool cross_tenant = false;
  MSGPACK_DEFINE_ARRAY(allowed, reason, resource_tenant, policy_revision, dependency_failed,
                       unknown_memory_ids, cross_tenant);
};

// Sent by the ingress after Mem0 created memories, so that the authz stage
// records which tenant owns each new memory id.
struct ownership_record_request {
  std::string request_id;
  std::string tenant;
  std::vector<subject_ref> subjects;  // Kind "memory_id" for new memories.
  MSGPACK_DEFINE_ARRAY(request_id, tenant, subjects);
};

struct ownership_record_reply {
  std::uint32_t recorded = 0;
  MSGPACK_DEFINE_ARRAY(recorded);
};

// Sent by the ingress for a memory id the registry does not know, after reading the memory from
// Mem0: `subjects` are the record's user_id, agent_id and run_id. The authz stage records the
// memory id for the tenant that owns those subjects, when exactly one tenant owns them all.
struct ownership_resolve_request {
  std::string request_id;
  std::string memory_id;
  std::vector<subject_ref> subjects;  // Kinds "user_id", "agent_id", "run_id"; tenant empty.
  MSGPACK_DEFINE_ARRAY(request_id, memory_id, subjects);
};

struct ownership_resolve_reply {
  std::string owner;   // Tenant that owns the memory id now; "" when none could be recorded.
  std::string reason;  // Cause of an empty owner, e.g. "subject user_id:bob has no owning tenant".
  MSGPACK_DEFINE_ARRAY(owner, reason);
};

// Sent by the ingress to learn the owners of the records in a list or search response.
struct ownership_lookup_request {
  std::string request_id;
  std::vector<subject_ref> subjects;  // Tenant empty.
  MSGPACK_DEFINE_ARRAY(request_id, subjects);
};

// The subjects of the request in the same order, each with its owner ("" when it has none).
struct ownership_lookup_reply {
  std::vector<subject_ref> subjects;
  MSGPACK_DEFINE_ARRAY(subjects);
};

// Sent by the ingress after the policy allowed a "subjects.assign": records `tenant` as the owner
// of an existing Mem0 subject unless it has an owner already. An owner never changes, so a
// subject owned by another tenant stays with it.
struct subject_assign_request {
  std::string request_id;
  std::string tenant;  // Tenant that receives the subject.
  std::string kind;    // "user_id", "agent_id" or "run_id".
  std::string id;
  MSGPACK_DEFINE_ARRAY(request_id, tenant, kind, id);
};

struct subject_assign_reply {
  std::string owner;       // Owner of the subject after the call.
  bool created = false;    // True when this call recorded the owner.
  std::string claimed_at;  // When the owner was recorded, RFC 3339 in UTC.
  MSGPACK_DEFINE_ARRAY(owner, created, claimed_at);
};

// Sent by the ingress after the policy allowed a "subjects.list": one page of a tenant's user,
// agent and run ids, ordered by kind, then id.
struct subject_list_request {
  std::string request_id;
  std::string tenant;
  std::string kind;  // "user_id", "agent_id", "run_id", or "" for all three.
  // The page starts after this (kind, id) pair; both empty for the first page.
  std::string after_kind;
  std::string after_id;
  std::uint32_t limit = 0;  // Rows per page; the authz stage caps it.
  MSGPACK_DEFINE_ARRAY(request_id, tenant, kind, after_kind, after_id, limit);
};

struct owned_subject {
  std::string kind;
  std::string id;
  std::string claimed_at;  // RFC 3339 in UTC.
  MSGPACK_DEFINE_ARRAY(kind, id, claimed_at);
};

struct subject_list_reply {
  std::vector<owned_subject> subjects;
  bool more = false;  // True when rows follow the last one of this page.
  MSGPACK_DEFINE_ARRAY(subjects, more);
};

// One row of mem0_audit_log. The sink stores what it is given; event_id makes
// a replay idempotent.
struct audit_event {
  std::string event_id;  // UUID, unique per event.
  std::int64_t timestamp_unix_us = 0;
  std::string request_id;
  std::string tenant_id;
  std::string actor_id;
  std::string actor_role;
  std::string action;
  std::string resource;
  std::string decision;  // "allow", "deny", "invalid_request", "rate_limited" or "error".
  std::string reason;
  std::string method;
  std::string path;
  std::int32_t status_code = 0;  // Status returned to the client.
  double latency_ms = 0;         // Gateway time until the decision or response.
  std::string source_ip;
  std::string policy_revision;
  MSGPACK_DEFINE_ARRAY(event_id, timestamp_unix_us, request_id, tenant_id, actor_id, actor_role,
                       action, resource, decision, reason, method, path, status_code, latency_ms,
                       source_ip, policy_revision);
};

struct audit_ack {
  bool durable = false;  // True once the event is stored where a crash cannot lose it.
  std::string reason;    // Why it was not stored, when durable is false.
  MSGPACK_DEFINE_ARRAY(durable, reason);
};

// How an audited request ended, sent after the response so that the audit
// event itself (one row per request) is never updated. Stored in
// mem0_audit_outcome; answered with audit_ack. event_id with
// timestamp_unix_us makes a replay idempotent.
struct audit_outcome {
  std::string event_id;                // event_id of the request's audit_event.
  std::int64_t timestamp_unix_us = 0;  // timestamp_unix_us of that audit_event.
  std::string request_id;
  std::int32_t status_code = 0;        // Status returned to the client.
  std::int32_t upstream_status = 0;    // Mem0's status; 0 when Mem0 sent none.
  double upstream_latency_ms = -1;     // Time Mem0 took; negative when it was not called.
  double latency_ms = 0;               // Gateway time until the response was sent.
  std::string error;                   // Why the upstream exchange failed; empty if it did not.
  std::int64_t completed_unix_us = 0;  // When the response was sent; 0 means "when received".
  MSGPACK_DEFINE_ARRAY(event_id, timestamp_unix_us, request_id, status_code, upstream_status,
                       upstream_latency_ms, latency_ms, error, completed_unix_us);
};

}  // namespace memgov::protocol
