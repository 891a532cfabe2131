#include "record/record_format.hpp"

#include <cctype>
#include <charconv>
#include <chrono>
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

std::string lower_case(std::string_view text) {
  std::string out(text);
  for (char& c : out) {
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  return out;
}

}  // namespace

void append_sanitized_utf8(std::string& out, std::string_view text) {
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
}

std::string sanitize_utf8(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  append_sanitized_utf8(out, text);
  return out;
}

std::int64_t unix_now_us() {
  return std::chrono::duration_cast<std::chrono::microseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

namespace {

// Writes format_timestamp() text into `buffer` and returns its length.
int write_timestamp(char (&buffer)[48], std::int64_t unix_us) {
  std::int64_t seconds = unix_us / 1'000'000;
  std::int64_t micros = unix_us % 1'000'000;
  if (micros < 0) {
    micros += 1'000'000;
    seconds -= 1;
  }
  std::time_t whole = static_cast<std::time_t>(seconds);
  std::tm utc{};
  gmtime_r(&whole, &utc);
  return std::snprintf(buffer, sizeof buffer, "%04d-%02d-%02d %02d:%02d:%02d.%06lld+00",
                       utc.tm_year + 1900, utc.tm_mon + 1, utc.tm_mday, utc.tm_hour, utc.tm_min,
                       utc.tm_sec, static_cast<long long>(micros));
}

}  // namespace

std::string format_timestamp(std::int64_t unix_us) {
  char buffer[48];
  int length = write_timestamp(buffer, unix_us);
  return std::string(buffer, static_cast<std::size_t>(length));
}

std::string format_real(double value) {
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%.17g", value);
  return buffer;
}

std::optional<std::int64_t> parse_integer(std::string_view text) {
  std::int64_t value = 0;
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc() || end != text.data() + text.size() || text.empty()) {
    return std::nullopt;
  }
  return value;
}

namespace {

// Collects the fields as record_fields.
class fields_receiver : public field_receiver {
 public:
  explicit fields_receiver(std::size_t count) { fields_.reserve(count); }

  void add_null() override { fields_.emplace_back(); }
  void add_text(std::string_view text) override { fields_.emplace_back(std::string(text)); }
  void add_client_text(std::string_view text) override {
    if (text.empty()) {
      add_null();
    } else {
      fields_.emplace_back(sanitize_utf8(text));
    }
  }

  record_fields take() { return std::move(fields_); }

 private:
  record_fields fields_;
};

void add_status(field_receiver& receiver, std::int32_t status) {
  if (status == 0) {
    receiver.add_null();
  } else {
    receiver.add_text(std::to_string(status));
  }
}

void add_latency(field_receiver& receiver, double latency_ms, bool negative_is_null) {
  if (!std::isfinite(latency_ms) || (negative_is_null && latency_ms < 0)) {
    receiver.add_null();
  } else {
    receiver.add_text(format_real(latency_ms));
  }
}

}  // namespace

void format_event(const protocol::audit_event& event, field_receiver& receiver) {
  receiver.add_text(lower_case(event.event_id));
  receiver.add_text(std::to_string(event.timestamp_unix_us));
  receiver.add_client_text(event.request_id);
  receiver.add_client_text(event.tenant_id);
  receiver.add_client_text(event.actor_id);
  receiver.add_client_text(event.actor_role);
  receiver.add_client_text(event.action);
  receiver.add_client_text(event.resource);
  receiver.add_text(event.decision);  // Validated: one of the known decisions.
  receiver.add_client_text(event.reason);
  receiver.add_client_text(event.method);
  receiver.add_client_text(event.path);
  add_status(receiver, event.status_code);
  add_latency(receiver, event.latency_ms, false);
  receiver.add_client_text(event.source_ip);
  receiver.add_client_text(event.policy_revision);
}

record_fields format_event(const protocol::audit_event& event) {
  fields_receiver receiver(formatted_field_count(record_kind::event));
  format_event(event, receiver);
  return receiver.take();
}

void format_outcome(const protocol::audit_outcome& outcome, std::int64_t received_unix_us,
                    field_receiver& receiver) {
  receiver.add_text(lower_case(outcome.event_id));
  receiver.add_text(std::to_string(outcome.timestamp_unix_us));
  std::int64_t completed =
      outcome.completed_unix_us != 0 ? outcome.completed_unix_us : received_unix_us;
  receiver.add_text(std::to_string(completed));
  receiver.add_client_text(outcome.request_id);
  add_status(receiver, outcome.status_code);
  add_status(receiver, outcome.upstream_status);
  add_latency(receiver, outcome.upstream_latency_ms, true);
  add_latency(receiver, outcome.latency_ms, true);
  receiver.add_client_text(outcome.error);
}

record_fields format_outcome(const protocol::audit_outcome& outcome,
                             std::int64_t received_unix_us) {
  fields_receiver receiver(formatted_field_count(record_kind::outcome));
  format_outcome(outcome, received_unix_us, receiver);
  return receiver.take();
}

void append_copy_field(std::string& out, std::optional<std::string_view> field, column_type type) {
  if (!field) {
    out += "\\N";
    return;
  }
  if (type == column_type::timestamp) {
    // The writer formatted the field itself, so a parse failure means a damaged record; NULL
    // makes PostgreSQL reject the row, which the per-row path then reports.
    std::optional<std::int64_t> unix_us = parse_integer(*field);
    if (!unix_us) {
      out += "\\N";
      return;
    }
    char buffer[48];
    out.append(buffer, static_cast<std::size_t>(write_timestamp(buffer, *unix_us)));
    return;
  }
  for (char c : *field) {
    switch (c) {
      case '\\':
        out += "\\\\";
        break;
      case '\t':
        out += "\\t";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      default:
        out.push_back(c);
    }
  }
}

void append_copy_bytea(std::string& out, std::string_view bytes) {
  static const char digits[] = "0123456789abcdef";
  out += "\\\\x";
  for (char c : bytes) {
    auto byte = static_cast<unsigned char>(c);
    out.push_back(digits[byte >> 4]);
    out.push_back(digits[byte & 0x0F]);
  }
}

}  // namespace memgov::audit
