#include "redis_pipeline.hpp"

#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstring>
#include <new>

#include <hiredis/hiredis.h>

namespace memgov::ratelimit {
namespace {

// Bytes read per read() call. Replies to a run of 64 checks are about 3 KB.
constexpr std::size_t kReadChunk = 16384;

// The write buffer is compacted once this much of it has been written.
constexpr std::size_t kCompactAfter = 65536;

}  // namespace

redis_pipeline::redis_pipeline(int fd) : fd_(fd), reader_(redisReaderCreate()) {
  if (reader_ == nullptr) {
    ::close(fd_);
    throw std::bad_alloc();
  }
  int flags = ::fcntl(fd_, F_GETFL, 0);
  ::fcntl(fd_, F_SETFL, flags | O_NONBLOCK);
}

redis_pipeline::~redis_pipeline() {
  redisReaderFree(reader_);
  ::close(fd_);
}

void redis_pipeline::append_length(char type, std::size_t length) {
  char digits[24];
  auto result = std::to_chars(digits, digits + sizeof(digits), length);
  output_.push_back(type);
  output_.append(digits, result.ptr);
  output_.append("\r\n", 2);
}

void redis_pipeline::begin_command(std::size_t arguments) {
  append_length('*', arguments);
}

void redis_pipeline::argument(std::string_view value) {
  append_length('$', value.size());
  output_.append(value);
  output_.append("\r\n", 2);
}

void redis_pipeline::argument(std::string_view first, std::string_view second) {
  append_length('$', first.size() + second.size());
  output_.append(first);
  output_.append(second);
  output_.append("\r\n", 2);
}

void redis_pipeline::argument(std::uint64_t value) {
  char digits[24];
  auto result = std::to_chars(digits, digits + sizeof(digits), value);
  argument(std::string_view(digits, static_cast<std::size_t>(result.ptr - digits)));
}

std::optional<redis_error> redis_pipeline::write() {
  while (written_ < output_.size()) {
    ssize_t sent = ::send(fd_, output_.data() + written_, output_.size() - written_, MSG_NOSIGNAL);
    if (sent < 0) {
      if (errno == EINTR) {
        continue;
      }
      if (errno == EAGAIN || errno == EWOULDBLOCK) {
        break;
      }
      return redis_error{"io", std::string("writing to Redis failed: ") + std::strerror(errno)};
    }
    written_ += static_cast<std::size_t>(sent);
  }
  if (written_ == output_.size()) {
    output_.clear();
    written_ = 0;
  } else if (written_ >= kCompactAfter) {
    output_.erase(0, written_);
    written_ = 0;
  }
  return std::nullopt;
}

std::optional<redis_error> redis_pipeline::read(const std::function<void(reply_ptr)>& on_reply) {
  char buffer[kReadChunk];
  while (true) {
    ssize_t received = ::recv(fd_, buffer, sizeof(buffer), 0);
    if (received == 0) {
      return redis_error{"closed", "Redis closed the connection"};
    }
    if (received < 0) {
      if (errno == EINTR) {
        continue;
      }
      if (errno == EAGAIN || errno == EWOULDBLOCK) {
        return std::nullopt;
      }
      return redis_error{"io", std::string("reading from Redis failed: ") + std::strerror(errno)};
    }
    if (redisReaderFeed(reader_, buffer, static_cast<std::size_t>(received)) != REDIS_OK) {
      return redis_error{"protocol",
                         std::string("reading a Redis reply failed: ") + reader_->errstr};
    }
    while (true) {
      void* raw = nullptr;
      if (redisReaderGetReply(reader_, &raw) != REDIS_OK) {
        return redis_error{"protocol", std::string("Redis sent a reply that is not valid RESP: ") +
                                           reader_->errstr};
      }
      if (raw == nullptr) {
        break;
      }
      on_reply(reply_ptr(static_cast<redisReply*>(raw)));
    }
    if (static_cast<std::size_t>(received) < sizeof(buffer)) {
      return std::nullopt;  // The socket is drained; a further recv() would return EAGAIN.
    }
  }
}

}  // namespace memgov::ratelimit
