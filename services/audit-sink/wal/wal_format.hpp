// On-disk format of the write-ahead log: segment file names, segment headers and records.
//
// A log directory contains segment files named by a 16-digit hex number ("0000000000000001.wal"),
// each a header followed by records. A record is
//   [u32 LE payload length][u32 LE CRC-32C of the length bytes and the payload][payload]
// and its payload is [prev_hash: 32 bytes][row_hash: 32 bytes][canonical bytes]. The header
// stores where the chain stands at the start of the segment, so the newest segment alone
// tells the writer its next sequence even after older segments were drained and deleted.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "chain/record_chain.hpp"

namespace memgov::audit {

inline constexpr std::size_t kRecordHeaderBytes = 8;
// Payloads beyond this length are treated as corruption. An audit record is a few hundred
// bytes; the largest fields (path, reason, resource) are bounded by the ingress's limits.
inline constexpr std::uint32_t kMaxRecordPayloadBytes = 4 * 1024 * 1024;
inline constexpr std::size_t kRecordHashBytes = 64;  // prev_hash and row_hash.

// Appends `record` framed as one log record.
void append_wal_record(std::string& out, const linked_record& record);

// Size append_wal_record() adds for `record`.
std::size_t wal_record_size(const linked_record& record);

enum class parse_status {
  ok,          // A whole, intact record starts the buffer.
  incomplete,  // The buffer ends inside the record.
  corrupt,     // The length is impossible or the checksum does not match.
};

struct wal_record_view {
  sha256_digest prev_hash{};
  sha256_digest row_hash{};
  std::string_view canonical;  // Points into the parsed buffer.
};

struct parse_result {
  parse_status status = parse_status::incomplete;
  std::size_t size = 0;  // Bytes of the record, header included, when status is ok.
  wal_record_view record;
  std::string error;  // Why, when status is corrupt.
};

// Parses the record at the start of `buffer`.
parse_result parse_wal_record(std::string_view buffer);

struct segment_header {
  std::uint64_t segment = 0;         // Number in the file name.
  std::uint64_t first_sequence = 1;  // Sequence of the segment's first record.
  sha256_digest prev_hash{};         // row_hash of the record before that one.
};

// "MGAUDWAL", u32 LE format version, u32 reserved, u64 LE segment, u64 LE first sequence,
// prev_hash, u32 LE CRC-32C of everything before it.
inline constexpr std::size_t kSegmentHeaderBytes = 68;

std::string encode_segment_header(const segment_header& header);

// Returns nullopt and sets `error` when `bytes` (at least kSegmentHeaderBytes) is not a valid
// header.
std::optional<segment_header> decode_segment_header(std::string_view bytes, std::string& error);

std::string segment_file_name(std::uint64_t segment);

// Returns the segment number of a file name made by segment_file_name(), else nullopt.
std::optional<std::uint64_t> parse_segment_file_name(std::string_view name);

}  // namespace memgov::audit
