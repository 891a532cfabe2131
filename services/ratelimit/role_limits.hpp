// Requests per window allowed for each role, looked up by the role string of a request.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace memgov::ratelimit {

// Lower-cases a role name, maps `_` to `-` and trims spaces, so "Agent_Writer" and
// "agent-writer" name the same role.
std::string normalize_role(std::string_view role);

class role_limits {
 public:
  struct resolved {
    std::uint32_t limit = 0;
    std::size_t label = 0;  // Index into labels() of the role that set the limit.
  };

  // `by_role` is keyed by normalized role name.
  role_limits(std::uint32_t default_limit, const std::map<std::string, std::uint32_t>& by_role);

  // Looks up a request's role string. A comma-separated list of roles gets the largest limit
  // of the configured roles it names. A string naming no configured role gets the default
  // limit, with label 0.
  resolved resolve(std::string_view roles) const;

  // Metric label of each limit: "default" at index 0, then the configured role names. Roles
  // of requests are not used as labels as they are, because clients choose them freely.
  const std::vector<std::string>& labels() const { return labels_; }

 private:
  struct entry {
    std::uint32_t limit = 0;
    std::size_t label = 0;
  };

  std::uint32_t default_limit_;
  std::vector<std::string> labels_;
  std::unordered_map<std::string, entry> by_role_;
};

}  // namespace memgov::ratelimit
