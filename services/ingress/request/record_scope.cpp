#include "request/record_scope.hpp"

#include <map>
#include <set>
#include <utility>

#include "request/identifier.hpp"
#include "request/subjects.hpp"

namespace memgov::ingress::request {
namespace {

using subject_key = std::pair<std::string, std::string>;

std::set<subject_key> checked_keys(const std::vector<protocol::subject_ref>& checked) {
  std::set<subject_key> keys;
  for (const protocol::subject_ref& subject : checked) {
    // A wildcard selects every id, so it vouches for none of them.
    if (subject.id != kWildcardId) {
      keys.emplace(subject.kind, subject.id);
    }
  }
  return keys;
}

bool fully_checked(const response_record& record, const std::set<subject_key>& checked) {
  if (record.subjects.empty()) {
    return false;
  }
  for (const protocol::subject_ref& subject : record.subjects) {
    if (checked.count({subject.kind, subject.id}) == 0) {
      return false;
    }
  }
  return true;
}

// The record's ids that are not in `checked`: its session ids and its memory id.
std::vector<subject_key> unchecked_ids(const response_record& record,
                                       const std::set<subject_key>& checked) {
  std::vector<subject_key> ids;
  for (const protocol::subject_ref& subject : record.subjects) {
    if (checked.count({subject.kind, subject.id}) == 0) {
      ids.emplace_back(subject.kind, subject.id);
    }
  }
  if (!record.memory_id.empty()) {
    ids.emplace_back(std::string(kind_name(identifier_kind::memory_id)), record.memory_id);
  }
  return ids;
}

}  // namespace

std::vector<protocol::subject_ref> owners_needed(
    const std::vector<response_record>& records,
    const std::vector<protocol::subject_ref>& checked) {
  std::set<subject_key> known = checked_keys(checked);
  std::set<subject_key> seen;
  std::vector<protocol::subject_ref> needed;
  for (const response_record& record : records) {
    if (fully_checked(record, known)) {
      continue;
    }
    for (subject_key& id : unchecked_ids(record, known)) {
      if (seen.insert(id).second) {
        needed.push_back({std::move(id.first), std::move(id.second), ""});
      }
    }
  }
  return needed;
}

scope_result scope_records(const std::vector<response_record>& records,
                           const std::vector<protocol::subject_ref>& checked,
                           const std::vector<protocol::subject_ref>& owners,
                           const std::string& tenant) {
  std::set<subject_key> known = checked_keys(checked);
  std::map<subject_key, std::string> owner_of;
  for (const protocol::subject_ref& subject : owners) {
    owner_of[{subject.kind, subject.id}] = subject.tenant;
  }

  scope_result result;
  result.keep.reserve(records.size());
  for (const response_record& record : records) {
    if (fully_checked(record, known)) {
      result.keep.push_back(true);
      continue;
    }
    bool ours = false;
    std::string foreign;
    for (const protocol::subject_ref& subject : record.subjects) {
      if (known.count({subject.kind, subject.id}) != 0) {
        ours = true;
      }
    }
    for (const subject_key& id : unchecked_ids(record, known)) {
      auto owner = owner_of.find(id);
      if (owner == owner_of.end() || owner->second.empty()) {
        continue;
      }
      if (owner->second == tenant) {
        ours = true;
      } else if (foreign.empty()) {
        foreign = owner->second;
      }
    }
    bool keep = foreign.empty() && ours;
    result.keep.push_back(keep);
    if (!keep) {
      result.removed.push_back({record.memory_id, foreign});
    }
  }
  return result;
}

}  // namespace memgov::ingress::request
