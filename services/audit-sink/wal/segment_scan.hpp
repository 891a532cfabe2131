// Reads a whole segment file and finds where its intact records end; used by the log writer
// at start to recover from a crash.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>

#include "chain/record_chain.hpp"
#include "wal/wal_format.hpp"

namespace memgov::audit {

struct segment_scan {
  segment_header header;
  std::uint64_t file_bytes = 0;   // Size of the file.
  std::uint64_t valid_bytes = 0;  // Header plus every intact record before the first bad one.
  std::uint64_t records = 0;      // Intact records.
  chain_position last;            // Position after the last intact record.
  // Reason the scan stopped before the end of the file, or empty when it reached the end at
  // a record boundary. A crash during a write leaves a torn last record here.
  std::string tail_error;
};

// Throws file_error when the file cannot be read and std::runtime_error when its header is
// invalid or names another segment number than `segment`.
segment_scan scan_segment(const std::filesystem::path& file, std::uint64_t segment);

}  // namespace memgov::audit
