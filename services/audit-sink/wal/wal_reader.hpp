// The reading side of a sink's write-ahead log, used by the drainer: reads records in log
// order, never past what the writer has made durable.
//
// Blocking I/O: use it only from the detached drainer actor.
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "chain/sha256.hpp"
#include "wal/checkpoint.hpp"
#include "wal/wal_files.hpp"

namespace memgov::audit {

struct wal_entry {
  sha256_digest prev_hash{};
  sha256_digest row_hash{};
  std::string canonical;
  wal_cursor end;  // Position just after this record.
};

// A part of a segment the reader could not use. The rest of that segment is skipped.
struct wal_damage {
  std::uint64_t segment = 0;
  std::uint64_t offset = 0;
  std::string error;
};

struct wal_read {
  std::vector<wal_entry> entries;
  std::vector<wal_damage> damage;
};

class wal_reader {
 public:
  // Starts reading at `start`. A cursor before a segment's first record, or in a segment that
  // no longer exists, moves on to the next record there is.
  wal_reader(std::filesystem::path directory, wal_cursor start);

  // Reads records after the cursor. `durable` maps each live segment to its durable size;
  // every segment but the last is complete. Stops after `max_records` records or about
  // `max_bytes` bytes. Throws file_error when a file cannot be read.
  wal_read read(const std::map<std::uint64_t, std::uint64_t>& durable, std::size_t max_records,
                std::size_t max_bytes);

  const wal_cursor& cursor() const { return cursor_; }

 private:
  bool open_segment_at_or_after(const std::map<std::uint64_t, std::uint64_t>& durable,
                                std::uint64_t segment, wal_read& out);
  void skip_to_next_segment();
  bool fill(std::uint64_t limit, std::size_t needed);
  std::string_view unread() const;

  std::filesystem::path directory_;
  wal_cursor cursor_;
  unique_fd file_;
  std::filesystem::path file_path_;
  std::uint64_t open_segment_ = 0;
  bool is_open_ = false;
  // Bytes of the open segment starting at buffer_offset_.
  std::string buffer_;
  std::uint64_t buffer_offset_ = 0;
  std::string chunk_;
};

}  // namespace memgov::audit
