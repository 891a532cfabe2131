// The pool of detached actors that own the PostgreSQL connections of the
// ownership registry.
//
// Each actor has one connection and a thread of its own, because libpqxx
// blocks. Decision actors send lookups and claims with a timeout to the
// least busy actor, which replies with a registry_result. A request whose
// deadline passed while it waited in the mailbox gets an error reply without
// a database call. ownership_record, ownership_resolve, ownership_lookup,
// subject_assign and subject_list requests from the ingress get their reply through the stage's
// responder directly.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <caf/actor.hpp>

#include "ownership_types.hpp"
#include "protocol/messages.hpp"
#include "transport/stage_server.hpp"

namespace caf {
class actor_system;
}

namespace memgov::authz {

class authz_metrics;
class ownership_cache;

// Memory ids of an ownership_record request that can be recorded; other
// subjects are counted in `ignored`. Sets `error` when the request as a
// whole is invalid (no tenant).
struct recordable_subjects {
  std::vector<subject_key> subjects;
  std::size_t ignored = 0;
  std::string error;
};
recordable_subjects select_recordable(const protocol::ownership_record_request& request);

// Rows of one subject_list page when the request sets no limit, and at most.
inline constexpr std::size_t kDefaultListLimit = 100;
inline constexpr std::size_t kMaxListLimit = 1000;

// Check a subject_assign or subject_list request from the ingress. Return "" when it is valid,
// else the reason.
std::string check_assign_request(const protocol::subject_assign_request& request);
std::string check_list_request(const protocol::subject_list_request& request);

// Deadline of a registry request in steady_clock nanoseconds, as sent in
// lookup and claim messages.
std::int64_t deadline_after(std::chrono::milliseconds timeout);

struct ownership_store_options {
  std::string database_url;
  std::size_t connections = 2;
  std::chrono::milliseconds timeout{250};
};

class ownership_store {
 public:
  ownership_store(caf::actor_system& system, ownership_store_options options,
                  ownership_cache& cache, authz_metrics& metrics, std::atomic<bool>& ready);
  ~ownership_store();

  ownership_store(const ownership_store&) = delete;
  ownership_store& operator=(const ownership_store&) = delete;

  // Returns the actor with the fewest messages waiting and counts one more
  // message for it: the caller must send it exactly one lookup or claim.
  caf::actor acquire();

  // Records the memory ids of `request` and replies through `answer`.
  void record(protocol::ownership_record_request request, transport::responder answer);

  // Records the memory id of `request` for the tenant that owns all its
  // subjects (see choose_memory_owner) and replies with ownership_resolved.
  void resolve(protocol::ownership_resolve_request request, transport::responder answer);

  // Replies with ownership_owners: the owners of `request`'s subjects, from
  // the cache where it has them and else from one registry lookup.
  void look_up_owners(protocol::ownership_lookup_request request, transport::responder answer);

  // Assigns the subject of `request` to its tenant unless another tenant owns it, seeds the
  // owner cache and replies with subject_assigned.
  void assign(protocol::subject_assign_request request, transport::responder answer);

  // Replies with subject_listed: one page of a tenant's subjects.
  void list(protocol::subject_list_request request, transport::responder answer);

  // Makes every actor check (and if needed re-open) its connection.
  void ping_all();

  // Asks every actor to close its connection and end.
  void stop();

  const std::chrono::milliseconds& timeout() const { return options_.timeout; }

 private:
  struct member {
    caf::actor actor;
    std::shared_ptr<std::atomic<int>> depth;
  };

  std::size_t least_busy() const;
  void sent_to(const member& target);

  ownership_store_options options_;
  authz_metrics& metrics_;
  std::vector<member> members_;
};

}  // namespace memgov::authz
