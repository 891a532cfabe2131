// The drainer's durable cursor: how far into the log PostgreSQL has committed.
//
// Stored in the file "checkpoint" of the log directory as "MGAUDCKP", u32 LE version,
// u64 LE segment, u64 LE offset, u64 LE sequence and a u32 LE CRC-32C of the bytes before it.
// It is replaced atomically (write, fsync, rename, fsync of the directory).
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>

namespace memgov::audit {

// A position in the log: the next byte to drain.
struct wal_cursor {
  std::uint64_t segment = 0;
  std::uint64_t offset = 0;
};

inline bool operator<(const wal_cursor& a, const wal_cursor& b) {
  return a.segment != b.segment ? a.segment < b.segment : a.offset < b.offset;
}

inline bool operator==(const wal_cursor& a, const wal_cursor& b) {
  return a.segment == b.segment && a.offset == b.offset;
}

struct checkpoint {
  wal_cursor cursor;           // Every record before it is committed to PostgreSQL.
  std::uint64_t sequence = 0;  // Sequence of the last record before the cursor.
};

inline constexpr const char* kCheckpointFile = "checkpoint";

std::string encode_checkpoint(const checkpoint& value);

// Returns nullopt and sets `error` when `bytes` is not a valid checkpoint.
std::optional<checkpoint> decode_checkpoint(std::string_view bytes, std::string& error);

struct checkpoint_load {
  std::optional<checkpoint> value;  // Empty when the file is missing or invalid.
  std::string problem;              // Reason an existing file was not used, else empty.
};

// Reads the checkpoint of `directory`. A missing file is no problem, because nothing was
// drained yet. An unreadable or invalid one is reported, and the caller replays from the
// oldest segment, which the unique keys make harmless.
checkpoint_load load_checkpoint(const std::filesystem::path& directory);

// Throws file_error on failure.
void store_checkpoint(const std::filesystem::path& directory, const checkpoint& value);

}  // namespace memgov::audit
