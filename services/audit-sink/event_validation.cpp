#include "event_validation.hpp"

#include <cctype>
#include <cstdint>

#include "record/record_format.hpp"

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

namespace {

std::optional<std::string> check_event_id(const std::string& event_id) {
  if (event_id.empty()) {
    return std::string("event_id is missing");
  }
  if (!is_uuid(event_id)) {
    return "event_id " + quoted_prefix(event_id) + " is not a UUID";
  }
  return std::nullopt;
}

std::optional<std::string> check_timestamp(const char* name, std::int64_t unix_us) {
  if (unix_us == 0) {
    return std::string(name) + " is not set";
  }
  if (unix_us < 0 || unix_us >= kYear10000Us) {
    return std::string(name) + " " + std::to_string(unix_us) +
           " us is outside the Unix epoch to year 10000";
  }
  return std::nullopt;
}

}  // namespace

std::optional<std::string> validate_event(const protocol::audit_event& event) {
  if (auto problem = check_event_id(event.event_id)) {
    return problem;
  }
  if (auto problem = check_timestamp("timestamp", event.timestamp_unix_us)) {
    return problem;
  }
  if (!is_known_decision(event.decision)) {
    return "decision " + quoted_prefix(event.decision) +
           " is not one of allow, deny, invalid_request, rate_limited, error";
  }
  return std::nullopt;
}

std::optional<std::string> validate_outcome(const protocol::audit_outcome& outcome) {
  if (auto problem = check_event_id(outcome.event_id)) {
    return problem;
  }
  if (auto problem = check_timestamp("timestamp", outcome.timestamp_unix_us)) {
    return problem;
  }
  if (outcome.completed_unix_us != 0) {
    if (auto problem = check_timestamp("completed_unix_us", outcome.completed_unix_us)) {
      return problem;
    }
  }
  return std::nullopt;
}

}  // namespace memgov::audit
