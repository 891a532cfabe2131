// Owners of subjects seen recently, kept in memory in front of PostgreSQL.
//
// Only positive entries are stored. That is safe because an owner never
// changes once recorded: the registry only inserts (ON CONFLICT DO NOTHING)
// and never updates or deletes a row. A subject without an owner is always
// looked up again, since another request may claim it at any moment.
//
// Thread-safe: decision actors on the scheduler threads and the detached
// registry actors use one cache. Eviction is least recently used.
#pragma once

#include <cstddef>
#include <list>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>

#include "ownership_types.hpp"

namespace memgov::authz {

class ownership_cache {
 public:
  // A capacity of 0 disables the cache: find() always misses.
  explicit ownership_cache(std::size_t capacity) : capacity_(capacity) {}

  std::optional<std::string> find(const subject_key& subject);
  void insert(const subject_key& subject, const std::string& tenant);

  std::size_t size() const;

 private:
  struct entry {
    std::string key;
    std::string tenant;
  };

  static std::string key_of(const subject_key& subject);

  const std::size_t capacity_;
  mutable std::mutex mutex_;
  std::list<entry> order_;  // Most recently used first.
  std::unordered_map<std::string, std::list<entry>::iterator> index_;
};

}  // namespace memgov::authz
