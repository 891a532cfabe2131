#include "wal/wal_log.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <random>
#include <stdexcept>

#include "wal/checkpoint.hpp"
#include "wal/segment_scan.hpp"
#include "wal/wal_format.hpp"

namespace memgov::audit {
namespace {

constexpr const char* kLockFile = "lock";
constexpr const char* kSinkIdFile = "sink_id";

std::string trim(std::string text) {
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r' || text.back() == ' ')) {
    text.pop_back();
  }
  return text;
}

unique_fd lock_directory(const std::filesystem::path& directory) {
  unique_fd fd = open_file(directory / kLockFile, O_RDWR | O_CREAT);
  if (::flock(fd.get(), LOCK_EX | LOCK_NB) != 0) {
    if (errno == EWOULDBLOCK) {
      throw std::runtime_error("audit log directory " + directory.string() +
                               " is in use by another process (its lock file is held)");
    }
    throw file_error("flock", directory / kLockFile, errno);
  }
  return fd;
}

// A crash while a segment was being created leaves a file shorter than its header (the
// header is fsynced before any record goes in). Such a file contains no record, so it is removed.
void remove_unfinished_segment(const std::filesystem::path& directory,
                               std::map<std::uint64_t, std::uint64_t>& segments,
                               wal_recovery& recovery) {
  if (segments.empty() || segments.rbegin()->second >= kSegmentHeaderBytes) {
    return;
  }
  std::uint64_t newest = segments.rbegin()->first;
  std::filesystem::path path = directory / segment_file_name(newest);
  if (::unlink(path.c_str()) != 0) {
    throw file_error("remove unfinished segment", path, errno);
  }
  sync_directory(directory);
  recovery.discarded_bytes += segments.rbegin()->second;
  recovery.discarded_reason =
      "removed segment " + path.filename().string() + ", whose creation was interrupted";
  segments.erase(newest);
}

}  // namespace

std::filesystem::path slot_directory(const std::filesystem::path& wal_dir, int slot) {
  return wal_dir / ("slot-" + std::to_string(slot));
}

std::string make_sink_id(int slot) {
  char host[256] = {};
  if (::gethostname(host, sizeof host - 1) != 0 || host[0] == '\0') {
    std::snprintf(host, sizeof host, "unknown-host");
  }
  std::random_device random;
  char suffix[16];
  std::snprintf(suffix, sizeof suffix, "%08x", static_cast<unsigned>(random()));
  return std::string(host) + "-slot" + std::to_string(slot) + "-" + suffix;
}

std::unique_ptr<wal_log> wal_log::open(const std::filesystem::path& directory,
                                       std::uint64_t segment_bytes, const std::string& new_sink_id,
                                       wal_recovery& recovery) {
  std::unique_ptr<wal_log> log(new wal_log());
  log->directory_ = directory;
  log->segment_bytes_ = segment_bytes;
  std::error_code error;
  std::filesystem::create_directories(directory, error);
  if (error) {
    throw file_error("create directory", directory, error.value());
  }
  log->lock_ = lock_directory(directory);

  std::filesystem::path sink_id_path = directory / kSinkIdFile;
  bool has_sink_id = std::filesystem::exists(sink_id_path);
  log->segments_at_open_ = list_segments(directory);
  remove_unfinished_segment(directory, log->segments_at_open_, recovery);
  const auto& segments = log->segments_at_open_;

  if (!has_sink_id && !segments.empty()) {
    throw std::runtime_error("audit log directory " + directory.string() +
                             " has segments but no sink_id file; restore the file or move the "
                             "directory away");
  }
  if (segments.empty()) {
    // The newest segment is never deleted, so a log that ever drained a record still has
    // one. No segment but a checkpoint means someone removed the log's files.
    if (std::filesystem::exists(directory / kCheckpointFile)) {
      throw std::runtime_error("audit log directory " + directory.string() +
                               " has a checkpoint but no segments; its records were removed. "
                               "Move the directory away to start a new chain");
    }
    if (!has_sink_id) {
      replace_file_durably(sink_id_path, new_sink_id + "\n");
    }
    log->sink_id_ = trim(read_small_file(sink_id_path));
    recovery.created = true;
    log->position_ = chain_position{};
    log->create_segment(1);
    log->segments_at_open_[1] = log->size_;
    return log;
  }

  log->sink_id_ = trim(read_small_file(sink_id_path));
  if (log->sink_id_.empty()) {
    throw std::runtime_error("audit log directory " + directory.string() +
                             " has an empty sink_id file");
  }
  std::uint64_t newest = segments.rbegin()->first;
  std::filesystem::path newest_path = directory / segment_file_name(newest);
  segment_scan scan = scan_segment(newest_path, newest);
  log->segment_ = newest;
  log->file_path_ = newest_path;
  log->file_ = open_file(newest_path, O_WRONLY);
  if (scan.valid_bytes < scan.file_bytes) {
    if (::ftruncate(log->file_.get(), static_cast<off_t>(scan.valid_bytes)) != 0) {
      throw file_error("truncate", newest_path, errno);
    }
    sync_data(log->file_.get(), newest_path);
    recovery.discarded_bytes += scan.file_bytes - scan.valid_bytes;
    recovery.discarded_reason = scan.tail_error;
    log->segments_at_open_[newest] = scan.valid_bytes;
  }
  log->size_ = scan.valid_bytes;
  log->position_ = scan.last;
  return log;
}

void wal_log::create_segment(std::uint64_t segment) {
  std::filesystem::path path = directory_ / segment_file_name(segment);
  unique_fd fd = open_file(path, O_WRONLY | O_CREAT | O_EXCL);
  segment_header header;
  header.segment = segment;
  header.first_sequence = position_.sequence + 1;
  header.prev_hash = position_.row_hash;
  std::string bytes = encode_segment_header(header);
  write_all_at(fd.get(), bytes, 0, path);
  sync_data(fd.get(), path);
  sync_directory(directory_);
  segment_ = segment;
  file_ = std::move(fd);
  file_path_ = path;
  size_ = bytes.size();
  sealed_ = false;
}

std::uint64_t wal_log::rotate() {
  create_segment(segment_ + 1);
  return size_;
}

void wal_log::append(std::string_view records, const chain_position& after) {
  try {
    write_all_at(file_.get(), records, size_, file_path_);
    sync_data(file_.get(), file_path_);
  } catch (const file_error&) {
    bool restored =
        ::ftruncate(file_.get(), static_cast<off_t>(size_)) == 0 && ::fdatasync(file_.get()) == 0;
    if (!restored) {
      position_ = after;
      sealed_ = true;
    }
    throw;
  }
  size_ += records.size();
  position_ = after;
}

}  // namespace memgov::audit
