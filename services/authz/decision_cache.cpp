#include "decision_cache.hpp"

namespace memgov::authz {

std::string decision_cache::key_of(const nlohmann::json& input) {
  nlohmann::json stable = input;
  stable.erase("request_id");
  stable.erase("time");
  return stable.dump();
}

std::optional<policy_outcome> decision_cache::find(const std::string& key,
                                                   clock_type::time_point now) {
  if (!enabled())
    return std::nullopt;
  std::lock_guard<std::mutex> guard(mutex_);
  auto found = entries_.find(key);
  if (found == entries_.end())
    return std::nullopt;
  if (found->second.expires <= now) {
    entries_.erase(found);
    return std::nullopt;
  }
  return found->second.outcome;
}

void decision_cache::store(const std::string& key, const policy_outcome& outcome,
                           clock_type::time_point now) {
  if (!enabled() || !outcome.evaluated)
    return;
  std::lock_guard<std::mutex> guard(mutex_);
  if (entries_.size() >= max_entries_ && entries_.find(key) == entries_.end()) {
    // Every entry expires within one ttl anyway, so dropping them all when
    // full costs at most one round of OPA calls and keeps the bound simple.
    entries_.clear();
  }
  entries_[key] = entry{outcome, now + ttl_};
}

}  // namespace memgov::authz
