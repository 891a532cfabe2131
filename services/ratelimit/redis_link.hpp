// One blocking hiredis connection that runs the check script in pipelined batches.
//
// Every call blocks the calling thread for up to the timeout per socket operation, so a link
// belongs to one detached actor (redis_connection) and is never used from an event loop.
// Not thread-safe.
#pragma once

#include <chrono>
#include <cstdint>
#include <initializer_list>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "redis_script.hpp"
#include "redis_url.hpp"

struct redisContext;
struct redisReply;

namespace memgov::ratelimit {

// A failure of the connection itself, after which the link is closed.
struct redis_error {
  // Metric label: "connect", "timeout", "closed" (the server closed the connection), "io",
  // "protocol", "auth", "script_load" or "not_connected".
  std::string cause;
  std::string message;
};

struct reply_deleter {
  void operator()(redisReply* reply) const;
};
using reply_ptr = std::unique_ptr<redisReply, reply_deleter>;

// Requests per script run unless set_checks_per_script() sets another number. A run of 64
// checks keeps Redis busy for about 0.7 ms (an estimate from the benchmark's 95,000 checks/s).
inline constexpr std::size_t kDefaultChecksPerScript = 64;

class redis_link {
 public:
  // `window` is passed to every script call.
  redis_link(redis_endpoint endpoint, std::chrono::milliseconds timeout,
             std::chrono::microseconds window);
  ~redis_link();
  redis_link(const redis_link&) = delete;
  redis_link& operator=(const redis_link&) = delete;

  // Connects (closing an open connection first), authenticates, selects the database, checks
  // that the server is a primary (ROLE), loads the script and runs it once without keys.
  // Returns the failure, or nullopt when the link is open and can decide checks.
  std::optional<redis_error> connect();
  void close();
  bool is_open() const { return context_ != nullptr; }

  // Hands the connected socket to the caller, who then owns it, and leaves the link closed.
  // After connect() the script is loaded and no reply is pending. Returns -1 when the link is
  // not open.
  int release_socket();

  // Decides every call, in order: one script run per checks_per_script() calls, all runs in
  // one pipeline (every command is written before the first reply is read). `outcomes[i]` is
  // the outcome of `calls[i]`. When Redis has lost the script (NOSCRIPT, e.g. after SCRIPT
  // FLUSH or a restart), it is loaded again and the affected runs are sent once more. Returns
  // the failure that closed the link, if any. Calls whose reply was not read then are
  // not_answered, but Redis may have run them.
  std::optional<redis_error> run_checks(const std::vector<script_call>& calls,
                                        std::vector<script_outcome>& outcomes);

  // Sends one command and waits for its reply. On a link failure returns null, closes the
  // link and sets `error`.
  reply_ptr command(std::initializer_list<std::string_view> args, redis_error& error);

  // Queues one command without sending it; read_reply() sends everything queued and reads
  // replies in order. Used for pipelines of other commands (the benchmark).
  void append(std::initializer_list<std::string_view> args);
  void append(const std::vector<std::string_view>& args);
  reply_ptr read_reply(redis_error& error);

  // Requests decided by one script run, >= 1. More spread the cost of a call over more
  // requests; fewer keep each run, during which Redis serves no other client, shorter.
  void set_checks_per_script(std::size_t checks) { checks_per_script_ = checks == 0 ? 1 : checks; }
  std::size_t checks_per_script() const { return checks_per_script_; }

  const std::string& script_sha() const { return script_sha_; }
  // NOSCRIPT replies that made the link load the script again, since construction.
  std::uint64_t script_reloads() const { return script_reloads_; }
  const redis_endpoint& endpoint() const { return endpoint_; }

 private:
  // Appends one EVALSHA deciding calls [begin, end).
  void append_checks(const std::vector<script_call>& calls, std::size_t begin, std::size_t end);
  redis_error take_error(const char* during);
  std::optional<redis_error> check_primary();
  std::optional<redis_error> load_script();
  std::optional<redis_error> probe_script();

  redis_endpoint endpoint_;
  std::chrono::milliseconds timeout_;
  std::string window_text_;
  redisContext* context_ = nullptr;
  std::string script_sha_;
  std::uint64_t script_reloads_ = 0;
  std::size_t checks_per_script_ = kDefaultChecksPerScript;
  // Argument buffers of append_checks, kept to avoid allocating per batch.
  std::vector<std::string> limit_texts_;
  std::vector<const char*> argv_;
  std::vector<std::size_t> lengths_;
};

}  // namespace memgov::ratelimit
