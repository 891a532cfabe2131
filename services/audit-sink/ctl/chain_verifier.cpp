#include "ctl/chain_verifier.hpp"

#include "chain/record_chain.hpp"

namespace memgov::ctl {

bool chain_walker::tolerated_gap(const chain_row& row) const {
  return policy_.retention_boundary_us && row.timestamp_us &&
         *row.timestamp_us < *policy_.retention_boundary_us + policy_.slack_us;
}

void chain_walker::fail(const chain_row& row, std::string reason) {
  first_break_ = chain_break{row.sequence, row.event_id, row.source, std::move(reason)};
}

void chain_walker::add(const chain_row& row) {
  ++rows_;
  if (first_break_) {
    return;
  }
  bool linked = true;  // Whether prev_hash can be compared with the row before.
  if (rows_ == 1) {
    first_sequence_ = row.sequence;
    linked = false;
    if (row.sequence == 1) {
      if (row.prev_hash != audit::kGenesisHash) {
        fail(row, "the first record's prev_hash is not the genesis value (32 zero bytes)");
        return;
      }
    } else if (tolerated_gap(row)) {
      notes_.push_back("chain starts at sequence " + std::to_string(row.sequence) +
                       "; the earlier rows were in partitions dropped by retention");
    } else {
      fail(row, "sequences 1 to " + std::to_string(row.sequence - 1) + " are missing");
      return;
    }
  } else if (row.sequence <= last_sequence_) {
    fail(row, "sequence " + std::to_string(row.sequence) + " appears more than once");
    return;
  } else if (row.sequence > last_sequence_ + 1) {
    std::string missing = "sequences " + std::to_string(last_sequence_ + 1) + " to " +
                          std::to_string(row.sequence - 1) + " are missing";
    if (!tolerated_gap(row)) {
      fail(row, missing);
      return;
    }
    notes_.push_back(missing + " next to the retention boundary; taken as dropped by retention");
    linked = false;
  }
  if (linked && row.prev_hash != last_hash_) {
    fail(row, "prev_hash does not match the row_hash of sequence " +
                  std::to_string(last_sequence_) + ": that row or this one was changed");
    return;
  }
  if (!row.problem.empty()) {
    fail(row, row.problem);
    return;
  }
  if (row.computed_hash != row.row_hash) {
    fail(row,
         "the stored fields do not match row_hash: the row was changed after it was "
         "written");
    return;
  }
  last_sequence_ = row.sequence;
  last_hash_ = row.row_hash;
}

}  // namespace memgov::ctl
