// JSON-lines logging to stderr, one object per line:
//   {"time":"...","level":"info","stage":"ingress","component":"http",
//    "msg":"...", "request_id":"...", ...fields}
//
// Thread-safe: a line is formatted on the caller's thread and written with a
// single write(2), so lines from different threads never interleave.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <initializer_list>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>

namespace memgov::log {

enum class level { debug = 0, info = 1, warning = 2, error = 3 };

// Extra key/value pairs of one line; values are written as JSON strings.
using fields = std::initializer_list<std::pair<std::string_view, std::string_view>>;

// Sets the stage name written on every line and the lowest level written.
// Call once from main() before any other thread logs.
void configure(std::string stage, level minimum);

// Parses "debug", "info", "warning" or "error"; throws std::invalid_argument.
level parse_level(std::string_view text);

// Appends `text` to `out` as the inside of a JSON string (no quotes).
void append_json_escaped(std::string& out, std::string_view text);

// Formats one line as logger writes it, newline included, for `component`. For callers that
// write lines elsewhere, such as through a buffered_writer.
std::string format_line(level severity, std::string_view component, std::string_view message,
                        fields extra);

class logger {
 public:
  explicit logger(std::string component) : component_(std::move(component)) {}

  void debug(std::string_view message, fields extra = {}) const;
  void info(std::string_view message, fields extra = {}) const;
  void warning(std::string_view message, fields extra = {}) const;
  void error(std::string_view message, fields extra = {}) const;

  // Writes a warning at most once per `interval` for each `key`; the next
  // line written for that key carries the count of lines suppressed since.
  void warning_limited(std::string_view key, std::string_view message, fields extra = {},
                       std::chrono::seconds interval = std::chrono::seconds(10)) const;

  bool enabled(level severity) const;

 private:
  void write(level severity, std::string_view message, fields extra,
             std::uint64_t suppressed = 0) const;

  struct limit_state {
    std::chrono::steady_clock::time_point last_written;
    std::uint64_t suppressed = 0;
  };

  std::string component_;
  mutable std::mutex limit_mutex_;
  mutable std::unordered_map<std::string, limit_state> limits_;
};

}  // namespace memgov::log
