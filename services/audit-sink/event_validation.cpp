#include "event_validation.hpp"

#include <cctype>
#include <cstdint>

#include "audit_row.hpp"

namespace memgov::audit {
namespace {

// 10000-01-01T00:00:00Z in microseconds since the Unix epoch.
constexpr std::int64_t kYear10000Us = 253'402'300'800'000'000;

// Quotes at most 64 bytes of a client-supplied value for an error message.
std::string quoted_prefix(std::string_view value) {
  constexpr std::size_t kMaxShown = 64;
  std::string text = "'" + sanitize_utf8(value.substr(0, kMaxShown)) + "'";
  if (value.size() > kMaxShown) {
    text += " (truncated)";
  }
  return text;
}

}  // namespace

bool is_uuid(std::string_view text) {
  if (text.size() != 36) {
    return false;
  }
  for (std::size_t i = 0; i < text.size(); ++i) {
    bool hyphen_position = i == 8 || i == 13 || i == 18 || i == 23;
    char c = text[i];
    if (hyphen_position ? c != '-' : !std::isxdigit(static_cast<unsigned char>(c))) {
      return false;
    }
  }
  return true;
}

bool is_known_decision(std::string_view decision) {
  return decision == "allow" || decision == "deny" || decision == "invalid_request" ||
         decision == "rate_limited" || decision == "error";
}

std::optional<std::string> validate_event(const protocol::audit_event& event) {
  if (event.event_id.empty()) {
    return std::string("event_id is missing");
  }
  if (!is_uuid(event.event_id)) {
    return "event_id " + quoted_prefix(event.event_id) + " is not a UUID";
  }
  if (event.timestamp_unix_us == 0) {
    return std::string("timestamp is not set");
  }
  if (event.timestamp_unix_us < 0 || event.timestamp_unix_us >= kYear10000Us) {
    return "timestamp " + std::to_string(event.timestamp_unix_us) +
           " us is outside the Unix epoch to year 10000";
  }
  if (!is_known_decision(event.decision)) {
    return "decision " + quoted_prefix(event.decision) +
           " is not one of allow, deny, invalid_request, rate_limited, error";
  }
  return std::nullopt;
}

}  // namespace memgov::audit
