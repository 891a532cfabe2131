// A short-lived cache of policy outcomes, keyed by the policy input without
// its per-request fields (request_id, time).
//
// Two requests with the same input get the same answer from a policy that
// does not look at the clock, so an outcome is reused for `ttl` and OPA is
// asked again afterwards. A time-based rule (business hours) or a policy
// file change therefore takes effect at most `ttl` late; a ttl of zero turns
// the cache off. Only evaluated outcomes are stored: an OPA failure is never
// reused.
//
// Thread-safe: decision actors read it on scheduler threads and the OPA
// client's completions write it on the client's thread.
#pragma once

#include <chrono>
#include <cstddef>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>

#include <nlohmann/json.hpp>

#include "policy_result.hpp"

namespace memgov::authz {

class decision_cache {
 public:
  using clock_type = std::chrono::steady_clock;

  decision_cache(std::chrono::milliseconds ttl, std::size_t max_entries)
      : ttl_(ttl), max_entries_(max_entries) {}

  bool enabled() const { return ttl_.count() > 0 && max_entries_ > 0; }

  // Builds the cache key of a policy input (the "input" object, not the
  // {"input": ...} envelope).
  static std::string key_of(const nlohmann::json& input);

  std::optional<policy_outcome> find(const std::string& key,
                                     clock_type::time_point now = clock_type::now());

  void store(const std::string& key, const policy_outcome& outcome,
             clock_type::time_point now = clock_type::now());

 private:
  struct entry {
    policy_outcome outcome;
    clock_type::time_point expires;
  };

  std::chrono::milliseconds ttl_;
  std::size_t max_entries_;
  std::mutex mutex_;
  std::unordered_map<std::string, entry> entries_;
};

}  // namespace memgov::authz
