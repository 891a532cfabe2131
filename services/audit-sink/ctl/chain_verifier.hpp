// The checks of `memgovctl verify` over one sink's chain, fed row by row in sequence order.
//
// A chain is intact when its sequences are consecutive, the first record has the genesis
// prev_hash (sequence 1), every prev_hash equals the row_hash before it, and every row_hash
// equals the hash rebuilt from the row's stored fields. Only one exception is allowed: after
// memgov_audit_drop_partitions() removed old months, rows close to the retention boundary may
// follow a gap, because a sink numbers records in arrival order while the partitions split
// them by the request's timestamp.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "chain/sha256.hpp"

namespace memgov::ctl {

struct chain_row {
  std::string source;  // Table the row came from.
  std::uint64_t sequence = 0;
  std::string event_id;
  std::optional<std::int64_t> timestamp_us;
  audit::sha256_digest prev_hash{};
  audit::sha256_digest row_hash{};
  audit::sha256_digest computed_hash{};  // chain_hash(prev_hash, canonical bytes of the row).
  std::string problem;  // Set when the row itself is inconsistent (undecodable link, ...).
};

struct chain_break {
  std::uint64_t sequence = 0;
  std::string event_id;
  std::string source;
  std::string reason;
};

struct verify_policy {
  // Upper bound of the newest month dropped by retention, in microseconds since the epoch;
  // empty when no month was ever dropped.
  std::optional<std::int64_t> retention_boundary_us;
  // Rows before boundary + slack may follow a gap. One hour is far above the seconds that can
  // pass between a request's arrival at the gateway and its record's arrival at a sink.
  std::int64_t slack_us = 3'600'000'000LL;
};

class chain_walker {
 public:
  chain_walker(std::string sink_id, verify_policy policy)
      : sink_id_(std::move(sink_id)), policy_(policy) {}

  // Checks the next row; rows must come in increasing sequence order (equal sequences are
  // reported as a break).
  void add(const chain_row& row);

  const std::string& sink_id() const { return sink_id_; }
  const std::optional<chain_break>& first_break() const { return first_break_; }
  const std::vector<std::string>& notes() const { return notes_; }
  std::uint64_t rows() const { return rows_; }
  std::uint64_t first_sequence() const { return first_sequence_; }
  std::uint64_t last_sequence() const { return last_sequence_; }
  const audit::sha256_digest& head_hash() const { return last_hash_; }

 private:
  bool tolerated_gap(const chain_row& row) const;
  void fail(const chain_row& row, std::string reason);

  std::string sink_id_;
  verify_policy policy_;
  std::optional<chain_break> first_break_;
  std::vector<std::string> notes_;
  std::uint64_t rows_ = 0;
  std::uint64_t first_sequence_ = 0;
  std::uint64_t last_sequence_ = 0;
  audit::sha256_digest last_hash_{};
};

}  // namespace memgov::ctl
