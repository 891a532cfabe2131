#include "ownership_cache.hpp"

namespace memgov::authz {

std::string ownership_cache::key_of(const subject_key& subject) {
  // Kinds never contain a NUL byte, so the separator keeps keys unique.
  std::string key;
  key.reserve(subject.kind.size() + 1 + subject.id.size());
  key += subject.kind;
  key += '\0';
  key += subject.id;
  return key;
}

std::optional<std::string> ownership_cache::find(const subject_key& subject) {
  if (capacity_ == 0)
    return std::nullopt;
  std::string key = key_of(subject);
  std::lock_guard<std::mutex> lock(mutex_);
  auto found = index_.find(key);
  if (found == index_.end())
    return std::nullopt;
  order_.splice(order_.begin(), order_, found->second);
  return found->second->tenant;
}

void ownership_cache::insert(const subject_key& subject, const std::string& tenant) {
  if (capacity_ == 0 || tenant.empty())
    return;
  std::string key = key_of(subject);
  std::lock_guard<std::mutex> lock(mutex_);
  auto found = index_.find(key);
  if (found != index_.end()) {
    found->second->tenant = tenant;
    order_.splice(order_.begin(), order_, found->second);
    return;
  }
  if (index_.size() >= capacity_) {
    index_.erase(order_.back().key);
    order_.pop_back();
  }
  order_.push_front(entry{key, tenant});
  index_.emplace(std::move(key), order_.begin());
}

std::size_t ownership_cache::size() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return index_.size();
}

}  // namespace memgov::authz
