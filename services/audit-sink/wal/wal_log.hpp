// The writing side of one sink's write-ahead log directory.
//
// The directory belongs to one process at a time (an flock on its "lock" file) and has a
// "sink_id" file naming the chain its records belong to. Blocking I/O: use it only from the
// detached log writer actor, or before the actors start.
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <string_view>

#include "chain/record_chain.hpp"
#include "wal/wal_files.hpp"

namespace memgov::audit {

struct wal_recovery {
  bool created = false;               // The directory had no log yet.
  std::uint64_t discarded_bytes = 0;  // Torn tail removed from the newest segment.
  std::string discarded_reason;       // Reason those bytes were removed.
};

class wal_log {
 public:
  // Opens or creates the log in `directory` (creating the directory too), locks it, and
  // truncates a torn record at the end of the newest segment. A new log gets `new_sink_id`.
  // Throws std::runtime_error (file_error for system errors) with a message naming the
  // directory when the log is locked by another process, inconsistent or unreadable.
  static std::unique_ptr<wal_log> open(const std::filesystem::path& directory,
                                       std::uint64_t segment_bytes, const std::string& new_sink_id,
                                       wal_recovery& recovery);

  const std::filesystem::path& directory() const { return directory_; }
  const std::string& sink_id() const { return sink_id_; }

  // The chain position after the last record in the log.
  const chain_position& position() const { return position_; }

  std::uint64_t current_segment() const { return segment_; }
  std::uint64_t current_size() const { return size_; }

  // Every segment file and its size, as found at open.
  const std::map<std::uint64_t, std::uint64_t>& segments_at_open() const {
    return segments_at_open_;
  }

  // Whether the next append starts a new segment first.
  bool needs_rotation() const { return sealed_ || size_ >= segment_bytes_; }

  // Starts a new segment: creates it with its header and fsyncs the file and the directory.
  // Returns the new segment's size (its header).
  std::uint64_t rotate();

  // Writes framed records at the end of the current segment and fdatasyncs the file;
  // `after` is the chain position after the last of them. On failure it truncates the
  // segment back and rethrows. When even the truncation fails, the records may or may not be
  // in the log, so the position still advances (a gap in the chain is reported later, never
  // a duplicate sequence) and the segment is sealed.
  void append(std::string_view records, const chain_position& after);

 private:
  wal_log() = default;
  void create_segment(std::uint64_t segment);

  std::filesystem::path directory_;
  std::uint64_t segment_bytes_ = 0;
  unique_fd lock_;
  std::string sink_id_;
  chain_position position_;
  std::map<std::uint64_t, std::uint64_t> segments_at_open_;
  std::uint64_t segment_ = 0;
  unique_fd file_;
  std::filesystem::path file_path_;
  std::uint64_t size_ = 0;
  bool sealed_ = false;
};

// The log directory of the sink bound to `slot` (its port's index in audit.bind).
std::filesystem::path slot_directory(const std::filesystem::path& wal_dir, int slot);

// Makes a new sink id: host name, slot and 8 random hex digits, e.g. "host-a-slot0-1f2e3d4c".
std::string make_sink_id(int slot);

}  // namespace memgov::audit
