#include "wal/wal_files.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "wal/wal_format.hpp"

namespace memgov::audit {

file_error::file_error(const std::string& operation, const std::filesystem::path& path,
                       int error_number)
    : std::runtime_error(operation + " " + path.string() +
                         " failed: " + std::strerror(error_number)),
      error_number_(error_number) {}

unique_fd& unique_fd::operator=(unique_fd&& other) noexcept {
  if (this != &other) {
    if (fd_ >= 0) {
      ::close(fd_);
    }
    fd_ = other.release();
  }
  return *this;
}

unique_fd::~unique_fd() {
  if (fd_ >= 0) {
    ::close(fd_);
  }
}

int unique_fd::release() {
  int fd = fd_;
  fd_ = -1;
  return fd;
}

unique_fd open_file(const std::filesystem::path& path, int flags, unsigned mode) {
  int fd = ::open(path.c_str(), flags | O_CLOEXEC, mode);
  if (fd < 0) {
    throw file_error("open", path, errno);
  }
  return unique_fd(fd);
}

void write_all_at(int fd, std::string_view bytes, std::uint64_t offset,
                  const std::filesystem::path& path) {
  while (!bytes.empty()) {
    ssize_t written = ::pwrite(fd, bytes.data(), bytes.size(), static_cast<off_t>(offset));
    if (written < 0) {
      if (errno == EINTR) {
        continue;
      }
      throw file_error("write", path, errno);
    }
    bytes.remove_prefix(static_cast<std::size_t>(written));
    offset += static_cast<std::uint64_t>(written);
  }
}

void read_at(int fd, std::string& out, std::size_t size, std::uint64_t offset,
             const std::filesystem::path& path) {
  out.resize(size);
  std::size_t filled = 0;
  while (filled < size) {
    ssize_t got =
        ::pread(fd, out.data() + filled, size - filled, static_cast<off_t>(offset + filled));
    if (got < 0) {
      if (errno == EINTR) {
        continue;
      }
      throw file_error("read", path, errno);
    }
    if (got == 0) {
      break;
    }
    filled += static_cast<std::size_t>(got);
  }
  out.resize(filled);
}

void sync_data(int fd, const std::filesystem::path& path) {
  while (::fdatasync(fd) != 0) {
    if (errno != EINTR) {
      throw file_error("fdatasync", path, errno);
    }
  }
}

void sync_directory(const std::filesystem::path& directory) {
  unique_fd fd = open_file(directory, O_RDONLY | O_DIRECTORY);
  while (::fsync(fd.get()) != 0) {
    if (errno != EINTR) {
      throw file_error("fsync", directory, errno);
    }
  }
}

std::uint64_t file_size(int fd, const std::filesystem::path& path) {
  struct stat status {};
  if (::fstat(fd, &status) != 0) {
    throw file_error("stat", path, errno);
  }
  return static_cast<std::uint64_t>(status.st_size);
}

void replace_file_durably(const std::filesystem::path& path, std::string_view contents) {
  std::filesystem::path temporary = path;
  temporary += ".tmp";
  {
    unique_fd fd = open_file(temporary, O_WRONLY | O_CREAT | O_TRUNC);
    write_all_at(fd.get(), contents, 0, temporary);
    sync_data(fd.get(), temporary);
  }
  if (::rename(temporary.c_str(), path.c_str()) != 0) {
    throw file_error("rename to " + path.string() + " of", temporary, errno);
  }
  sync_directory(path.parent_path());
}

std::string read_small_file(const std::filesystem::path& path) {
  unique_fd fd = open_file(path, O_RDONLY);
  std::string contents;
  read_at(fd.get(), contents, static_cast<std::size_t>(file_size(fd.get(), path)), 0, path);
  return contents;
}

std::map<std::uint64_t, std::uint64_t> list_segments(const std::filesystem::path& directory) {
  std::map<std::uint64_t, std::uint64_t> segments;
  std::error_code error;
  for (const auto& entry : std::filesystem::directory_iterator(directory, error)) {
    std::optional<std::uint64_t> number = parse_segment_file_name(entry.path().filename().string());
    if (!number || !entry.is_regular_file()) {
      continue;
    }
    segments[*number] = static_cast<std::uint64_t>(entry.file_size());
  }
  if (error) {
    throw file_error("list", directory, error.value());
  }
  return segments;
}

}  // namespace memgov::audit
