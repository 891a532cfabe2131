// Sorted-set members of the Redis backend: one per admitted request, never repeated.
//
// Several requests of one key may be admitted in the same microsecond, by this process or
// another replica, and ZADD of an existing member would only move it. So a member is a prefix
// drawn at random when the process starts (64 bits, so two processes practically never share
// one) and a counter of this process.
#pragma once

#include <atomic>
#include <cstdint>
#include <string>

namespace memgov::ratelimit {

class member_source {
 public:
  member_source();

  // Returns a member no other call of any process returns. Safe from any thread.
  std::string next();

  const std::string& prefix() const { return prefix_; }

 private:
  std::string prefix_;
  std::atomic<std::uint64_t> counter_{0};
};

}  // namespace memgov::ratelimit
