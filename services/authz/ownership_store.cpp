#include "ownership_store.hpp"

#include <algorithm>

#include <caf/all.hpp>

#include "authz_atoms.hpp"
#include "authz_metrics.hpp"
#include "log/logger.hpp"
#include "ownership_cache.hpp"
#include "ownership_registry.hpp"
#include "ownership_resolution.hpp"

namespace memgov::authz {
namespace {

using clock_type = std::chrono::steady_clock;

struct store_context {
  store_context(ownership_store_options options, ownership_cache& cache, authz_metrics& metrics,
                std::atomic<bool>& ready)
      : options(std::move(options)), cache(cache), metrics(metrics), ready(ready) {}

  ownership_store_options options;
  ownership_cache& cache;
  authz_metrics& metrics;
  std::atomic<bool>& ready;
  log::logger logger{"ownership_store"};
};

std::int64_t now_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(clock_type::now().time_since_epoch())
      .count();
}

class store_worker {
 public:
  store_worker(std::shared_ptr<store_context> context, std::shared_ptr<std::atomic<int>> depth)
      : context_(std::move(context)),
        depth_(std::move(depth)),
        registry_(context_->options.database_url, context_->options.timeout) {}

  // Runs `call` against the registry unless the deadline passed, and counts it.
  template <class Call>
  registry_result timed(const char* operation, std::int64_t deadline_ns, Call call) {
    processing_scope scope(context_->metrics.store_actor());
    depth_->fetch_sub(1);
    if (deadline_ns != 0 && now_ns() > deadline_ns) {
      context_->metrics.count_database_error(operation);
      registry_result expired;
      expired.error = "no database connection free within " +
                      std::to_string(context_->options.timeout.count()) + " ms";
      return expired;
    }
    auto started = clock_type::now();
    registry_result result = call(registry_);
    context_->metrics.observe_database(operation, clock_type::now() - started);
    context_->ready.store(result.ok);
    if (!result.ok) {
      context_->metrics.count_database_error(operation);
      context_->logger.warning_limited(std::string("registry_") + operation,
                                       "ownership registry call failed",
                                       {{"operation", operation}, {"error", result.error}});
    } else {
      for (const auto& [subject, tenant] : result.owners) {
        context_->cache.insert(subject, tenant);
      }
    }
    return result;
  }

  void record(const protocol::ownership_record_request& request,
              const transport::responder& answer) {
    recordable_subjects selected = select_recordable(request);
    if (selected.ignored > 0)
      context_->metrics.count_record("ignored", static_cast<double>(selected.ignored));
    if (!selected.error.empty()) {
      processing_scope scope(context_->metrics.store_actor());
      depth_->fetch_sub(1);
      answer.reply_error(selected.error);
      return;
    }
    if (selected.subjects.empty()) {
      processing_scope scope(context_->metrics.store_actor());
      depth_->fetch_sub(1);
      answer.reply(protocol::message_kind::ownership_recorded, protocol::ownership_record_reply{0});
      return;
    }
    registry_result result = timed("record", 0, [&](ownership_registry& registry) {
      return registry.record(selected.subjects, request.tenant);
    });
    if (!result.ok) {
      context_->logger.warning_limited("record_failed", "could not record memory owners",
                                       {{"request_id", request.request_id},
                                        {"tenant", request.tenant},
                                        {"error", result.error}});
      answer.reply_error("ownership registry unavailable: " + result.error);
      return;
    }
    std::uint32_t recorded = 0;
    for (const subject_key& subject : selected.subjects) {
      auto owner = result.owners.find(subject);
      if (owner != result.owners.end() && owner->second == request.tenant) {
        ++recorded;
        continue;
      }
      context_->metrics.count_record("conflict");
      context_->logger.warning_limited(
          "record_conflict", "memory id already belongs to another tenant; not recorded",
          {{"request_id", request.request_id},
           {"tenant", request.tenant},
           {"memory_id", subject.id},
           {"owner", owner != result.owners.end() ? owner->second : ""}});
    }
    context_->metrics.count_record("recorded", recorded);
    answer.reply(protocol::message_kind::ownership_recorded,
                 protocol::ownership_record_reply{recorded});
  }

  void resolve(const protocol::ownership_resolve_request& request,
               const transport::responder& answer) {
    checked_subjects checked = check_resolve_request(request);
    if (!checked.error.empty()) {
      processing_scope scope(context_->metrics.store_actor());
      depth_->fetch_sub(1);
      answer.reply_error(checked.error);
      return;
    }
    registry_result owners = timed("lookup", 0, [&](ownership_registry& registry) {
      return registry.lookup(checked.subjects);
    });
    if (!owners.ok) {
      answer.reply_error("ownership registry unavailable: " + owners.error);
      return;
    }
    protocol::ownership_resolve_reply reply =
        choose_memory_owner(request.memory_id, checked.subjects, owners.owners);
    if (reply.owner.empty()) {
      context_->metrics.count_record("unresolved");
      answer.reply(protocol::message_kind::ownership_resolved, reply);
      return;
    }
    // timed() takes this message off the depth counts, which the lookup above already did, so
    // the second call counts itself in first.
    depth_->fetch_add(1);
    context_->metrics.store_actor().mailbox_depth.Increment();
    std::vector<subject_key> memory{{"memory_id", request.memory_id}};
    registry_result recorded = timed("record", 0, [&](ownership_registry& registry) {
      return registry.record(memory, reply.owner);
    });
    if (!recorded.ok) {
      answer.reply_error("ownership registry unavailable: " + recorded.error);
      return;
    }
    auto owner = recorded.owners.find(memory.front());
    if (owner == recorded.owners.end()) {
      answer.reply_error("ownership registry returned no owner for memory " + request.memory_id);
      return;
    }
    // Another request may have recorded the id first; its owner is the one that counts.
    reply.owner = owner->second;
    context_->metrics.count_record("resolved");
    context_->logger.info("recorded the owner of a memory read from Mem0",
                          {{"request_id", request.request_id},
                           {"memory_id", request.memory_id},
                           {"tenant", reply.owner}});
    answer.reply(protocol::message_kind::ownership_resolved, reply);
  }

  void look_up_owners(const protocol::ownership_lookup_request& request,
                      const transport::responder& answer) {
    checked_subjects checked = check_lookup_request(request);
    if (!checked.error.empty()) {
      processing_scope scope(context_->metrics.store_actor());
      depth_->fetch_sub(1);
      answer.reply_error(checked.error);
      return;
    }
    owner_map owners;
    std::vector<subject_key> misses;
    for (const subject_key& subject : checked.subjects) {
      if (auto owner = context_->cache.find(subject)) {
        context_->metrics.count_cache(true);
        owners[subject] = *owner;
      } else {
        context_->metrics.count_cache(false);
        misses.push_back(subject);
      }
    }
    if (misses.empty()) {
      processing_scope scope(context_->metrics.store_actor());
      depth_->fetch_sub(1);
    } else {
      registry_result found =
          timed("lookup", 0, [&](ownership_registry& registry) { return registry.lookup(misses); });
      if (!found.ok) {
        answer.reply_error("ownership registry unavailable: " + found.error);
        return;
      }
      owners.insert(found.owners.begin(), found.owners.end());
    }
    answer.reply(protocol::message_kind::ownership_owners, fill_owners(request, owners));
  }

  void assign(const protocol::subject_assign_request& request, const transport::responder& answer) {
    processing_scope scope(context_->metrics.store_actor());
    depth_->fetch_sub(1);
    std::string problem = check_assign_request(request);
    if (!problem.empty()) {
      answer.reply_error(problem);
      return;
    }
    subject_key subject{request.kind, request.id};
    auto started = clock_type::now();
    assign_result result = registry_.assign(subject, request.tenant);
    observe("assign", started, result.ok, result.error);
    if (!result.ok) {
      answer.reply_error("ownership registry unavailable: " + result.error);
      return;
    }
    // Owners never change, so the owner read back may be cached, whichever tenant it is.
    context_->cache.insert(subject, result.owner);
    if (result.created) {
      context_->logger.info("assigned a subject to a tenant", {{"request_id", request.request_id},
                                                               {"kind", request.kind},
                                                               {"id", request.id},
                                                               {"tenant", request.tenant}});
    }
    answer.reply(protocol::message_kind::subject_assigned,
                 protocol::subject_assign_reply{result.owner, result.created, result.claimed_at});
  }

  void list(const protocol::subject_list_request& request, const transport::responder& answer) {
    processing_scope scope(context_->metrics.store_actor());
    depth_->fetch_sub(1);
    std::string problem = check_list_request(request);
    if (!problem.empty()) {
      answer.reply_error(problem);
      return;
    }
    std::size_t limit = request.limit == 0 ? kDefaultListLimit
                                           : std::min<std::size_t>(request.limit, kMaxListLimit);
    auto started = clock_type::now();
    list_result result =
        registry_.list(request.tenant, request.kind, request.after_kind, request.after_id, limit);
    observe("list", started, result.ok, result.error);
    if (!result.ok) {
      answer.reply_error("ownership registry unavailable: " + result.error);
      return;
    }
    protocol::subject_list_reply reply;
    reply.more = result.more;
    for (owned_subject_row& row : result.rows) {
      reply.subjects.push_back({std::move(row.kind), std::move(row.id), std::move(row.claimed_at)});
    }
    answer.reply(protocol::message_kind::subject_listed, reply);
  }

 private:
  // Counts one registry call that timed() does not wrap, because its result is not an owner map.
  void observe(const char* operation, clock_type::time_point started, bool ok,
               const std::string& error) {
    context_->metrics.observe_database(operation, clock_type::now() - started);
    context_->ready.store(ok);
    if (ok)
      return;
    context_->metrics.count_database_error(operation);
    context_->logger.warning_limited(std::string("registry_") + operation,
                                     "ownership registry call failed",
                                     {{"operation", operation}, {"error", error}});
  }

  std::shared_ptr<store_context> context_;
  std::shared_ptr<std::atomic<int>> depth_;
  ownership_registry registry_;
};

void run_store_actor(caf::blocking_actor* self, std::shared_ptr<store_context> context,
                     std::shared_ptr<std::atomic<int>> depth) {
  store_worker worker(context, depth);
  bool running = true;
  self->receive_while(running)(
      [&](lookup_atom, const std::vector<subject_key>& subjects, std::int64_t deadline_ns) {
        return worker.timed("lookup", deadline_ns, [&](ownership_registry& registry) {
          return registry.lookup(subjects);
        });
      },
      [&](claim_atom, const std::vector<subject_key>& subjects, const std::string& tenant,
          std::int64_t deadline_ns) {
        return worker.timed("claim", deadline_ns, [&](ownership_registry& registry) {
          return registry.claim(subjects, tenant);
        });
      },
      [&](record_atom, const protocol::ownership_record_request& request,
          const transport::responder& answer) { worker.record(request, answer); },
      [&](resolve_atom, const protocol::ownership_resolve_request& request,
          const transport::responder& answer) { worker.resolve(request, answer); },
      [&](owners_atom, const protocol::ownership_lookup_request& request,
          const transport::responder& answer) { worker.look_up_owners(request, answer); },
      [&](assign_atom, const protocol::subject_assign_request& request,
          const transport::responder& answer) { worker.assign(request, answer); },
      [&](list_atom, const protocol::subject_list_request& request,
          const transport::responder& answer) { worker.list(request, answer); },
      [&](ping_atom) {
        worker.timed("ping", 0, [](ownership_registry& registry) { return registry.ping(); });
      },
      [&](stop_atom) { running = false; });
}

}  // namespace

recordable_subjects select_recordable(const protocol::ownership_record_request& request) {
  recordable_subjects selected;
  if (request.tenant.empty() || request.tenant.find('\0') != std::string::npos) {
    selected.error = "ownership_record has no valid tenant";
    return selected;
  }
  for (const protocol::subject_ref& subject : request.subjects) {
    if (subject.kind != "memory_id" || subject.id.empty() || subject.id == "*" ||
        subject.id.find('\0') != std::string::npos) {
      ++selected.ignored;
      continue;
    }
    subject_key key{subject.kind, subject.id};
    if (std::find(selected.subjects.begin(), selected.subjects.end(), key) ==
        selected.subjects.end()) {
      selected.subjects.push_back(std::move(key));
    }
  }
  // Sorted like claims, so that two concurrent inserts cannot wait on each
  // other's rows in opposite orders.
  std::sort(selected.subjects.begin(), selected.subjects.end());
  return selected;
}

namespace {

// Returns why a subject id or tenant cannot be stored, or "".
std::string storable_problem(const char* field, const std::string& value) {
  if (value.empty())
    return std::string(field) + " is empty";
  // PostgreSQL text cannot store NUL, and libpq would cut the value there.
  if (value.find('\0') != std::string::npos)
    return std::string(field) + " contains a NUL byte";
  return "";
}

}  // namespace

std::string check_assign_request(const protocol::subject_assign_request& request) {
  std::string problem = storable_problem("subject_assign tenant", request.tenant);
  if (problem.empty())
    problem = storable_problem("subject_assign id", request.id);
  if (problem.empty() && !claimable_kind(request.kind))
    problem = "subject_assign kind must be user_id, agent_id or run_id";
  if (problem.empty() && request.id == "*")
    problem = "subject_assign id may not be the wildcard *";
  return problem;
}

std::string check_list_request(const protocol::subject_list_request& request) {
  std::string problem = storable_problem("subject_list tenant", request.tenant);
  if (problem.empty() && !request.kind.empty() && !claimable_kind(request.kind))
    problem = "subject_list kind must be user_id, agent_id, run_id or empty";
  if (problem.empty() && (request.after_kind.find('\0') != std::string::npos ||
                          request.after_id.find('\0') != std::string::npos))
    problem = "subject_list cursor contains a NUL byte";
  return problem;
}

std::int64_t deadline_after(std::chrono::milliseconds timeout) {
  return now_ns() + std::chrono::duration_cast<std::chrono::nanoseconds>(timeout).count();
}

ownership_store::ownership_store(caf::actor_system& system, ownership_store_options options,
                                 ownership_cache& cache, authz_metrics& metrics,
                                 std::atomic<bool>& ready)
    : options_(std::move(options)), metrics_(metrics) {
  auto context = std::make_shared<store_context>(options_, cache, metrics, ready);
  for (std::size_t i = 0; i < options_.connections; ++i) {
    member next;
    next.depth = std::make_shared<std::atomic<int>>(0);
    next.actor = system.spawn<caf::detached>(run_store_actor, context, next.depth);
    members_.push_back(std::move(next));
  }
}

ownership_store::~ownership_store() {
  stop();
}

std::size_t ownership_store::least_busy() const {
  std::size_t best = 0;
  for (std::size_t i = 1; i < members_.size(); ++i) {
    if (members_[i].depth->load() < members_[best].depth->load())
      best = i;
  }
  return best;
}

void ownership_store::sent_to(const member& target) {
  target.depth->fetch_add(1);
  metrics_.store_actor().mailbox_depth.Increment();
}

caf::actor ownership_store::acquire() {
  const member& target = members_[least_busy()];
  sent_to(target);
  return target.actor;
}

void ownership_store::record(protocol::ownership_record_request request,
                             transport::responder answer) {
  caf::actor target = acquire();
  caf::anon_send(target, record_atom::value, std::move(request), std::move(answer));
}

void ownership_store::resolve(protocol::ownership_resolve_request request,
                              transport::responder answer) {
  caf::actor target = acquire();
  caf::anon_send(target, resolve_atom::value, std::move(request), std::move(answer));
}

void ownership_store::look_up_owners(protocol::ownership_lookup_request request,
                                     transport::responder answer) {
  caf::actor target = acquire();
  caf::anon_send(target, owners_atom::value, std::move(request), std::move(answer));
}

void ownership_store::assign(protocol::subject_assign_request request,
                             transport::responder answer) {
  caf::actor target = acquire();
  caf::anon_send(target, assign_atom::value, std::move(request), std::move(answer));
}

void ownership_store::list(protocol::subject_list_request request, transport::responder answer) {
  caf::actor target = acquire();
  caf::anon_send(target, list_atom::value, std::move(request), std::move(answer));
}

void ownership_store::ping_all() {
  for (const member& target : members_) {
    sent_to(target);
    caf::anon_send(target.actor, ping_atom::value);
  }
}

void ownership_store::stop() {
  for (member& target : members_) {
    // The handle stays valid: a request sent after this gets an error
    // response from CAF once the actor has ended.
    caf::anon_send(target.actor, stop_atom::value);
  }
}

}  // namespace memgov::authz
