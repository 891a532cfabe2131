#include "log/logger.hpp"

#include <unistd.h>

#include <cstdio>
#include <ctime>
#include <stdexcept>

namespace memgov::log {
namespace {

std::string g_stage = "memgov";
std::atomic<int> g_minimum{static_cast<int>(level::info)};

const char* level_name(level severity) {
  switch (severity) {
    case level::debug:
      return "debug";
    case level::info:
      return "info";
    case level::warning:
      return "warning";
    case level::error:
      return "error";
  }
  return "info";
}

void append_time(std::string& out) {
  auto now = std::chrono::system_clock::now();
  auto micros =
      std::chrono::duration_cast<std::chrono::microseconds>(now.time_since_epoch()).count();
  std::time_t seconds = static_cast<std::time_t>(micros / 1000000);
  std::tm parts{};
  gmtime_r(&seconds, &parts);
  char buffer[40];
  std::snprintf(buffer, sizeof(buffer), "%04d-%02d-%02dT%02d:%02d:%02d.%06lldZ",
                parts.tm_year + 1900, parts.tm_mon + 1, parts.tm_mday, parts.tm_hour, parts.tm_min,
                parts.tm_sec, static_cast<long long>(micros % 1000000));
  out += buffer;
}

}  // namespace

void configure(std::string stage, level minimum) {
  g_stage = std::move(stage);
  g_minimum.store(static_cast<int>(minimum));
}

level parse_level(std::string_view text) {
  if (text == "debug")
    return level::debug;
  if (text == "info")
    return level::info;
  if (text == "warning" || text == "warn")
    return level::warning;
  if (text == "error")
    return level::error;
  throw std::invalid_argument("log level '" + std::string(text) +
                              "' is not one of debug, info, warning, error");
}

void append_json_escaped(std::string& out, std::string_view text) {
  static const char* kHex = "0123456789abcdef";
  for (unsigned char c : text) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (c < 0x20) {
          out += "\\u00";
          out.push_back(kHex[c >> 4]);
          out.push_back(kHex[c & 0xf]);
        } else {
          out.push_back(static_cast<char>(c));
        }
    }
  }
}

bool logger::enabled(level severity) const {
  return static_cast<int>(severity) >= g_minimum.load(std::memory_order_relaxed);
}

void logger::debug(std::string_view message, fields extra) const {
  if (enabled(level::debug))
    write(level::debug, message, extra);
}

void logger::info(std::string_view message, fields extra) const {
  if (enabled(level::info))
    write(level::info, message, extra);
}

void logger::warning(std::string_view message, fields extra) const {
  if (enabled(level::warning))
    write(level::warning, message, extra);
}

void logger::error(std::string_view message, fields extra) const {
  if (enabled(level::error))
    write(level::error, message, extra);
}

void logger::warning_limited(std::string_view key, std::string_view message, fields extra,
                             std::chrono::seconds interval) const {
  if (!enabled(level::warning)) {
    return;
  }
  std::uint64_t suppressed = 0;
  {
    std::lock_guard<std::mutex> guard(limit_mutex_);
    auto now = std::chrono::steady_clock::now();
    auto [entry, inserted] = limits_.try_emplace(std::string(key));
    limit_state& state = entry->second;
    if (!inserted && now - state.last_written < interval) {
      ++state.suppressed;
      return;
    }
    suppressed = state.suppressed;
    state.suppressed = 0;
    state.last_written = now;
  }
  write(level::warning, message, extra, suppressed);
}

namespace {

std::string format_with_count(level severity, std::string_view component, std::string_view message,
                              fields extra, std::uint64_t suppressed) {
  std::string line;
  line.reserve(160 + message.size());
  line += "{\"time\":\"";
  append_time(line);
  line += "\",\"level\":\"";
  line += level_name(severity);
  line += "\",\"stage\":\"";
  append_json_escaped(line, g_stage);
  line += "\",\"component\":\"";
  append_json_escaped(line, component);
  line += "\",\"msg\":\"";
  append_json_escaped(line, message);
  line += '"';
  for (const auto& [key, value] : extra) {
    line += ",\"";
    append_json_escaped(line, key);
    line += "\":\"";
    append_json_escaped(line, value);
    line += '"';
  }
  if (suppressed > 0) {
    line += ",\"suppressed\":\"" + std::to_string(suppressed) + "\"";
  }
  line += "}\n";
  return line;
}

}  // namespace

std::string format_line(level severity, std::string_view component, std::string_view message,
                        fields extra) {
  return format_with_count(severity, component, message, extra, 0);
}

void logger::write(level severity, std::string_view message, fields extra,
                   std::uint64_t suppressed) const {
  std::string line = format_with_count(severity, component_, message, extra, suppressed);
  // One write per line keeps lines whole when several threads log at once.
  ssize_t ignored = ::write(STDERR_FILENO, line.data(), line.size());
  (void)ignored;
}

}  // namespace memgov::log
