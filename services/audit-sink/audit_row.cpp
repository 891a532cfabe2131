#include "audit_row.hpp"

#include <cctype>
#include <cmath>
#include <cstdio>
#include <ctime>

namespace memgov::audit {
namespace {

constexpr std::string_view kReplacement = "\xEF\xBF\xBD";  // U+FFFD

// Returns the length of the valid UTF-8 sequence at text[i], or 0 when it is invalid.
// Overlong forms, surrogates and code points above U+10FFFF count as invalid.
std::size_t valid_sequence_length(std::string_view text, std::size_t i) {
  auto byte = [&](std::size_t k) { return static_cast<unsigned char>(text[k]); };
  unsigned char lead = byte(i);
  std::size_t length = 0;
  unsigned char second_min = 0x80;
  unsigned char second_max = 0xBF;
  if (lead >= 0xC2 && lead <= 0xDF) {
    length = 2;
  } else if (lead >= 0xE0 && lead <= 0xEF) {
    length = 3;
    if (lead == 0xE0) {
      second_min = 0xA0;
    } else if (lead == 0xED) {
      second_max = 0x9F;
    }
  } else if (lead >= 0xF0 && lead <= 0xF4) {
    length = 4;
    if (lead == 0xF0) {
      second_min = 0x90;
    } else if (lead == 0xF4) {
      second_max = 0x8F;
    }
  } else {
    return 0;
  }
  if (i + length > text.size()) {
    return 0;
  }
  if (byte(i + 1) < second_min || byte(i + 1) > second_max) {
    return 0;
  }
  for (std::size_t k = 2; k < length; ++k) {
    if (byte(i + k) < 0x80 || byte(i + k) > 0xBF) {
      return 0;
    }
  }
  return length;
}

std::optional<std::string> text_or_null(std::string_view text) {
  if (text.empty()) {
    return std::nullopt;
  }
  return sanitize_utf8(text);
}

std::string lower_case(std::string_view text) {
  std::string out(text);
  for (char& c : out) {
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  return out;
}

std::string format_double(double value) {
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%.17g", value);
  return buffer;
}

}  // namespace

const std::array<std::string, kAuditColumnCount>& audit_columns() {
  static const std::array<std::string, kAuditColumnCount> columns = {
      "event_id",    "\"timestamp\"", "request_id", "tenant_id",       "actor_id", "actor_role",
      "action",      "resource",      "decision",   "reason",          "method",   "path",
      "status_code", "latency_ms",    "source_ip",  "policy_revision",
  };
  return columns;
}

const std::string& audit_column_list() {
  static const std::string list = [] {
    std::string joined;
    for (const std::string& column : audit_columns()) {
      if (!joined.empty()) {
        joined += ", ";
      }
      joined += column;
    }
    return joined;
  }();
  return list;
}

std::string sanitize_utf8(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  std::size_t i = 0;
  while (i < text.size()) {
    unsigned char c = static_cast<unsigned char>(text[i]);
    if (c != 0 && c < 0x80) {
      out.push_back(static_cast<char>(c));
      ++i;
      continue;
    }
    std::size_t length = c == 0 ? 0 : valid_sequence_length(text, i);
    if (length == 0) {
      out.append(kReplacement);
      ++i;
    } else {
      out.append(text.substr(i, length));
      i += length;
    }
  }
  return out;
}

std::string format_timestamp(std::int64_t unix_us) {
  std::int64_t seconds = unix_us / 1'000'000;
  std::int64_t micros = unix_us % 1'000'000;
  if (micros < 0) {
    micros += 1'000'000;
    seconds -= 1;
  }
  std::time_t whole = static_cast<std::time_t>(seconds);
  std::tm utc{};
  gmtime_r(&whole, &utc);
  char buffer[48];
  std::snprintf(buffer, sizeof buffer, "%04d-%02d-%02d %02d:%02d:%02d.%06lld+00",
                utc.tm_year + 1900, utc.tm_mon + 1, utc.tm_mday, utc.tm_hour, utc.tm_min,
                utc.tm_sec, static_cast<long long>(micros));
  return buffer;
}

audit_row format_row(const protocol::audit_event& event) {
  audit_row row;
  row[0] = lower_case(event.event_id);
  row[1] = format_timestamp(event.timestamp_unix_us);
  row[2] = text_or_null(event.request_id);
  row[3] = text_or_null(event.tenant_id);
  row[4] = text_or_null(event.actor_id);
  row[5] = text_or_null(event.actor_role);
  row[6] = text_or_null(event.action);
  row[7] = text_or_null(event.resource);
  row[8] = event.decision;
  row[9] = text_or_null(event.reason);
  row[10] = text_or_null(event.method);
  row[11] = text_or_null(event.path);
  if (event.status_code != 0) {
    row[12] = std::to_string(event.status_code);
  }
  if (std::isfinite(event.latency_ms)) {
    row[13] = format_double(event.latency_ms);
  }
  row[14] = text_or_null(event.source_ip);
  row[15] = text_or_null(event.policy_revision);
  return row;
}

}  // namespace memgov::audit
