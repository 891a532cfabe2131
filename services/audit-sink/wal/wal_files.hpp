// POSIX file operations of the write-ahead log. Every failure throws file_error naming the
// operation, the path and the system error.
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <stdexcept>
#include <string>
#include <string_view>

namespace memgov::audit {

class file_error : public std::runtime_error {
 public:
  file_error(const std::string& operation, const std::filesystem::path& path, int error_number);
  int error_number() const { return error_number_; }

 private:
  int error_number_;
};

// An owned file descriptor, closed on destruction.
class unique_fd {
 public:
  unique_fd() = default;
  explicit unique_fd(int fd) : fd_(fd) {}
  unique_fd(unique_fd&& other) noexcept : fd_(other.release()) {}
  unique_fd& operator=(unique_fd&& other) noexcept;
  unique_fd(const unique_fd&) = delete;
  unique_fd& operator=(const unique_fd&) = delete;
  ~unique_fd();

  int get() const { return fd_; }
  explicit operator bool() const { return fd_ >= 0; }
  int release();

 private:
  int fd_ = -1;
};

// open(2) with O_CLOEXEC added.
unique_fd open_file(const std::filesystem::path& path, int flags, unsigned mode = 0644);

// Writes all of `bytes` at `offset`, retrying short writes and EINTR.
void write_all_at(int fd, std::string_view bytes, std::uint64_t offset,
                  const std::filesystem::path& path);

// Reads up to `size` bytes at `offset` into `out` (resized to what was read).
void read_at(int fd, std::string& out, std::size_t size, std::uint64_t offset,
             const std::filesystem::path& path);

void sync_data(int fd, const std::filesystem::path& path);

// fsyncs a directory, which makes file creations, renames and deletions in it durable.
void sync_directory(const std::filesystem::path& directory);

std::uint64_t file_size(int fd, const std::filesystem::path& path);

// Writes `contents` to `path` so that a crash leaves either the old file or the new one:
// a temporary file is written and fsynced, renamed over `path`, and the directory fsynced.
void replace_file_durably(const std::filesystem::path& path, std::string_view contents);

// Reads a whole small file.
std::string read_small_file(const std::filesystem::path& path);

// Segment files in `directory` by segment number, with their sizes in bytes.
std::map<std::uint64_t, std::uint64_t> list_segments(const std::filesystem::path& directory);

}  // namespace memgov::audit
