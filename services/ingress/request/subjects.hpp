// The identifiers a request names, as subjects for the policy, and their audit summary.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "protocol/messages.hpp"

namespace memgov::ingress::request {

// Maximum number of distinct subjects in one request.
inline constexpr std::size_t kMaxSubjects = 256;

enum class identifier_kind : std::uint8_t { user_id, agent_id, run_id, memory_id };

// Returns the subject kind as the policy input spells it: "user_id", "agent_id", "run_id" or
// "memory_id".
std::string_view kind_name(identifier_kind kind);

// Sets `kind` and returns true when `name` is exactly "user_id", "agent_id" or "run_id", the
// session identifiers that Mem0 scopes memories by.
bool parse_session_kind(std::string_view name, identifier_kind& kind);

// Distinct (kind, id) pairs in the order first named. The tenant of every subject is left empty;
// the authz stage fills it in.
class subject_list {
 public:
  // Appends (kind, id) unless the same pair is already present. Returns false, and adds nothing,
  // when a new pair would exceed kMaxSubjects.
  bool add(identifier_kind kind, std::string_view id);

  const std::vector<protocol::subject_ref>& items() const { return items_; }
  std::vector<protocol::subject_ref> release() { return std::move(items_); }
  bool empty() const { return items_.empty(); }
  std::size_t size() const { return items_.size(); }

 private:
  std::vector<protocol::subject_ref> items_;
};

// Maximum length in bytes of a resource summary; longer ones end in ",...".
inline constexpr std::size_t kMaxResourceBytes = 1024;

// Builds the audit row's resource: "user_id:alice", "memory:<id>" or
// "user_id:alice,agent_id:bot", in subject order. Returns "*" when there are no subjects, which
// is the case for admin routes.
std::string summarize_resource(const std::vector<protocol::subject_ref>& subjects);

}  // namespace memgov::ingress::request
