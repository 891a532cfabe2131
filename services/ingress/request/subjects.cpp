#include "request/subjects.hpp"

namespace memgov::ingress::request {

std::string_view kind_name(identifier_kind kind) {
  switch (kind) {
    case identifier_kind::user_id:
      return "user_id";
    case identifier_kind::agent_id:
      return "agent_id";
    case identifier_kind::run_id:
      return "run_id";
    case identifier_kind::memory_id:
      return "memory_id";
  }
  return "memory_id";
}

bool parse_session_kind(std::string_view name, identifier_kind& kind) {
  if (name == "user_id") {
    kind = identifier_kind::user_id;
  } else if (name == "agent_id") {
    kind = identifier_kind::agent_id;
  } else if (name == "run_id") {
    kind = identifier_kind::run_id;
  } else {
    return false;
  }
  return true;
}

bool subject_list::add(identifier_kind kind, std::string_view id) {
  const std::string_view name = kind_name(kind);
  for (const auto& subject : items_) {
    if (subject.kind == name && subject.id == id) {
      return true;
    }
  }
  if (items_.size() == kMaxSubjects) {
    return false;
  }
  protocol::subject_ref subject;
  subject.kind = std::string(name);
  subject.id = std::string(id);
  items_.push_back(std::move(subject));
  return true;
}

std::string summarize_resource(const std::vector<protocol::subject_ref>& subjects) {
  if (subjects.empty()) {
    return "*";
  }
  std::string out;
  for (const auto& subject : subjects) {
    const std::string_view label =
        subject.kind == "memory_id" ? std::string_view("memory") : std::string_view(subject.kind);
    const std::size_t entry_size = (out.empty() ? 0 : 1) + label.size() + 1 + subject.id.size();
    if (out.size() + entry_size > kMaxResourceBytes - 4) {
      out += ",...";
      break;
    }
    if (!out.empty()) {
      out.push_back(',');
    }
    out.append(label.data(), label.size());
    out.push_back(':');
    out += subject.id;
  }
  return out;
}

}  // namespace memgov::ingress::request
