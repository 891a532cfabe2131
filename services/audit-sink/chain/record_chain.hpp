// The hash chain each sink keeps over the records it writes.
//
// A record's row_hash is SHA-256(prev_hash || canonical bytes), where prev_hash is the
// row_hash of the same sink's previous record (32 zero bytes before its first record) and the
// canonical bytes include the sink_id and sequence. Changing, removing or reordering any row
// of a sink breaks the links after it.
#pragma once

#include <cstdint>
#include <string>

#include "chain/sha256.hpp"
#include "record/record_schema.hpp"

namespace memgov::audit {

// prev_hash of a sink's first record.
inline const sha256_digest kGenesisHash{};

struct chain_position {
  std::uint64_t sequence = 0;             // Sequence of the last record linked; 0 before the first.
  sha256_digest row_hash = kGenesisHash;  // row_hash of that record.
};

struct linked_record {
  record_kind kind = record_kind::event;
  std::uint64_t sequence = 0;
  sha256_digest prev_hash{};
  sha256_digest row_hash{};
  std::string canonical;  // encode_canonical() of the fields with sink_id and sequence.
};

sha256_digest chain_hash(const sha256_digest& prev_hash, std::string_view canonical);

// Completes canonical bytes without sink_id and sequence (encode_canonical_prefix()) with
// `sink_id` and the next sequence, hashes them onto `position` and advances it.
linked_record link_record(chain_position& position, const std::string& sink_id, record_kind kind,
                          std::string canonical_prefix);

// The same for formatted fields (formatted_field_count(kind) values).
linked_record link_record(chain_position& position, const std::string& sink_id, record_kind kind,
                          const record_fields& fields);

}  // namespace memgov::audit
