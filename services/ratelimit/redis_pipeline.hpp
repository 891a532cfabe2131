// The wire of one Redis connection on a non-blocking socket: commands are encoded into a
// write buffer and written when the socket accepts them, and replies are parsed as they
// arrive, in the order of the commands. It never blocks, so an event loop thread can own it.
// Not thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "redis_link.hpp"

struct redisReader;

namespace memgov::ratelimit {

class redis_pipeline {
 public:
  // Takes ownership of `fd`, a connected socket, and makes it non-blocking.
  explicit redis_pipeline(int fd);
  ~redis_pipeline();
  redis_pipeline(const redis_pipeline&) = delete;
  redis_pipeline& operator=(const redis_pipeline&) = delete;

  int fd() const { return fd_; }

  // Encodes a command of `arguments` arguments; exactly that many argument() calls follow.
  void begin_command(std::size_t arguments);
  void argument(std::string_view value);
  // One argument made of `first` followed by `second`, without joining them first.
  void argument(std::string_view first, std::string_view second);
  void argument(std::uint64_t value);

  // Whether encoded commands wait to be written.
  bool wants_write() const { return written_ < output_.size(); }

  // Writes what the socket accepts now. Returns the failure that broke the connection.
  std::optional<redis_error> write();

  // Reads what arrived and calls `on_reply` for each complete reply, in order. Returns the
  // failure that broke the connection: the peer closed it, a read failed, or a reply is not
  // valid RESP. Replies parsed before the failure have been passed on.
  std::optional<redis_error> read(const std::function<void(reply_ptr)>& on_reply);

 private:
  void append_length(char type, std::size_t length);

  int fd_;
  redisReader* reader_;
  std::string output_;
  std::size_t written_ = 0;
};

}  // namespace memgov::ratelimit
