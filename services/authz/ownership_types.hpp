// Values shared by the ownership registry, its cache and the decision logic.
#pragma once

#include <map>
#include <string>
#include <tuple>
#include <vector>

namespace memgov::authz {

// One subject named by a request: kind is "user_id", "agent_id", "run_id" or
// "memory_id".
struct subject_key {
  std::string kind;
  std::string id;

  friend bool operator<(const subject_key& a, const subject_key& b) {
    return std::tie(a.kind, a.id) < std::tie(b.kind, b.id);
  }
  friend bool operator==(const subject_key& a, const subject_key& b) {
    return a.kind == b.kind && a.id == b.id;
  }
};

// Owner tenant of each subject that has one; subjects without an owner are
// absent.
using owner_map = std::map<subject_key, std::string>;

// Result of one registry call.
struct registry_result {
  bool ok = false;
  std::string error;  // Cause when ok is false.
  owner_map owners;   // Owners found (lookup, claim) or stored (record).
};

// Result of assigning one subject to a tenant (ownership_registry::assign).
struct assign_result {
  bool ok = false;
  std::string error;       // Cause when ok is false.
  std::string owner;       // Owner after the call.
  bool created = false;    // True when this call inserted the row.
  std::string claimed_at;  // RFC 3339 in UTC.
};

// One row of a tenant's subject list.
struct owned_subject_row {
  std::string kind;
  std::string id;
  std::string claimed_at;  // RFC 3339 in UTC.
};

// Result of listing a tenant's subjects (ownership_registry::list).
struct list_result {
  bool ok = false;
  std::string error;  // Cause when ok is false.
  std::vector<owned_subject_row> rows;
  bool more = false;  // True when rows follow the last one returned.
};

// Whether a write may claim a subject of this kind for the caller. Memory ids
// are created by Mem0 and recorded from its responses instead.
inline bool claimable_kind(const std::string& kind) {
  return kind == "user_id" || kind == "agent_id" || kind == "run_id";
}

}  // namespace memgov::authz
