#include "role_limits.hpp"

#include <cctype>

namespace memgov::ratelimit {

std::string normalize_role(std::string_view role) {
  std::size_t begin = 0;
  std::size_t end = role.size();
  while (begin < end && std::isspace(static_cast<unsigned char>(role[begin]))) {
    ++begin;
  }
  while (end > begin && std::isspace(static_cast<unsigned char>(role[end - 1]))) {
    --end;
  }
  std::string out;
  out.reserve(end - begin);
  for (std::size_t i = begin; i < end; ++i) {
    char c = role[i];
    out.push_back(c == '_' ? '-' : static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
  }
  return out;
}

role_limits::role_limits(std::uint32_t default_limit,
                         const std::map<std::string, std::uint32_t>& by_role)
    : default_limit_(default_limit) {
  labels_.push_back("default");
  for (const auto& [role, limit] : by_role) {
    std::string name = normalize_role(role);
    auto [position, inserted] = by_role_.emplace(name, entry{limit, labels_.size()});
    if (inserted) {
      labels_.push_back(name);
    } else {
      position->second.limit = limit;
    }
  }
}

role_limits::resolved role_limits::resolve(std::string_view roles) const {
  resolved best{default_limit_, 0};
  bool matched = false;
  std::size_t start = 0;
  while (start <= roles.size()) {
    std::size_t comma = roles.find(',', start);
    std::size_t stop = comma == std::string_view::npos ? roles.size() : comma;
    std::string name = normalize_role(roles.substr(start, stop - start));
    if (!name.empty()) {
      auto found = by_role_.find(name);
      if (found != by_role_.end() && (!matched || found->second.limit > best.limit)) {
        best = {found->second.limit, found->second.label};
        matched = true;
      }
    }
    if (comma == std::string_view::npos) {
      break;
    }
    start = comma + 1;
  }
  return best;
}

}  // namespace memgov::ratelimit
