#include "ownership_resolution.hpp"

#include <algorithm>

namespace memgov::authz {
namespace {

bool is_valid_id(const std::string& id) {
  return !id.empty() && id != "*" && id.find('\0') == std::string::npos;
}

bool is_known_kind(const std::string& kind) {
  return claimable_kind(kind) || kind == "memory_id";
}

void sort_unique(std::vector<subject_key>& subjects) {
  std::sort(subjects.begin(), subjects.end());
  subjects.erase(std::unique(subjects.begin(), subjects.end()), subjects.end());
}

}  // namespace

checked_subjects check_resolve_request(const protocol::ownership_resolve_request& request) {
  checked_subjects checked;
  if (!is_valid_id(request.memory_id)) {
    checked.error = "ownership_resolve has no valid memory id";
    return checked;
  }
  if (request.subjects.empty() || request.subjects.size() > 3) {
    checked.error = "ownership_resolve must name 1 to 3 subjects, got " +
                    std::to_string(request.subjects.size());
    return checked;
  }
  for (const protocol::subject_ref& subject : request.subjects) {
    if (!claimable_kind(subject.kind) || !is_valid_id(subject.id)) {
      checked.error = "ownership_resolve names an invalid subject of kind " +
                      (is_known_kind(subject.kind) ? subject.kind : std::string("(unknown)"));
      return checked;
    }
    checked.subjects.push_back({subject.kind, subject.id});
  }
  sort_unique(checked.subjects);
  return checked;
}

checked_subjects check_lookup_request(const protocol::ownership_lookup_request& request) {
  checked_subjects checked;
  if (request.subjects.size() > kMaxLookupSubjects) {
    checked.error = "ownership_lookup names " + std::to_string(request.subjects.size()) +
                    " subjects; at most " + std::to_string(kMaxLookupSubjects) + " are allowed";
    return checked;
  }
  for (const protocol::subject_ref& subject : request.subjects) {
    if (!is_known_kind(subject.kind) || !is_valid_id(subject.id)) {
      checked.error = "ownership_lookup names an invalid subject";
      return checked;
    }
    checked.subjects.push_back({subject.kind, subject.id});
  }
  sort_unique(checked.subjects);
  return checked;
}

protocol::ownership_resolve_reply choose_memory_owner(const std::string& memory_id,
                                                      const std::vector<subject_key>& subjects,
                                                      const owner_map& owners) {
  protocol::ownership_resolve_reply reply;
  std::string owner;
  for (const subject_key& subject : subjects) {
    auto found = owners.find(subject);
    if (found == owners.end()) {
      reply.reason = "subject " + subject.kind + ":" + subject.id + " of memory " + memory_id +
                     " has no owning tenant";
      return reply;
    }
    if (!owner.empty() && found->second != owner) {
      reply.reason = "the subjects of memory " + memory_id + " belong to different tenants (" +
                     owner + ", " + found->second + ")";
      return reply;
    }
    owner = found->second;
  }
  reply.owner = owner;
  return reply;
}

protocol::ownership_lookup_reply fill_owners(const protocol::ownership_lookup_request& request,
                                             const owner_map& owners) {
  protocol::ownership_lookup_reply reply;
  reply.subjects.reserve(request.subjects.size());
  for (const protocol::subject_ref& subject : request.subjects) {
    auto found = owners.find(subject_key{subject.kind, subject.id});
    reply.subjects.push_back(
        {subject.kind, subject.id, found != owners.end() ? found->second : std::string()});
  }
  return reply;
}

}  // namespace memgov::authz
