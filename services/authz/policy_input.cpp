#include "policy_input.hpp"

#include <chrono>
#include <cstdio>
#include <ctime>

namespace memgov::authz {

std::string format_rfc3339_utc(std::int64_t unix_ms) {
  std::int64_t seconds = unix_ms / 1000;
  std::int64_t millis = unix_ms % 1000;
  if (millis < 0) {
    millis += 1000;
    seconds -= 1;
  }
  std::time_t whole = static_cast<std::time_t>(seconds);
  std::tm parts{};
  gmtime_r(&whole, &parts);
  char buffer[64];
  std::snprintf(buffer, sizeof(buffer), "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", parts.tm_year + 1900,
                parts.tm_mon + 1, parts.tm_mday, parts.tm_hour, parts.tm_min, parts.tm_sec,
                static_cast<int>(millis));
  return buffer;
}

std::string trim_blanks(std::string_view text) {
  std::size_t first = text.find_first_not_of(" \t");
  if (first == std::string_view::npos)
    return "";
  std::size_t last = text.find_last_not_of(" \t");
  return std::string(text.substr(first, last - first + 1));
}

nlohmann::json build_policy_input(const protocol::authz_request& request,
                                  const std::string& resource_tenant,
                                  const std::vector<protocol::subject_ref>& subjects) {
  nlohmann::json roles = nlohmann::json::array();
  for (const std::string& role : request.roles) {
    roles.push_back(trim_blanks(role));
  }
  nlohmann::json subject_list = nlohmann::json::array();
  for (const protocol::subject_ref& subject : subjects) {
    subject_list.push_back(
        {{"kind", subject.kind}, {"id", subject.id}, {"tenant", subject.tenant}});
  }
  std::int64_t time_ms = request.time_unix_ms;
  if (time_ms <= 0) {
    time_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                  std::chrono::system_clock::now().time_since_epoch())
                  .count();
  }
  return nlohmann::json{
      {"action", request.action},
      {"roles", std::move(roles)},
      {"tenant", request.tenant},
      {"actor", request.actor},
      {"resource_tenant", resource_tenant},
      {"resource", request.resource},
      {"subjects", std::move(subject_list)},
      {"method", request.method},
      {"path", request.path},
      {"request_id", request.request_id},
      {"time", format_rfc3339_utc(time_ms)},
  };
}

std::string serialize_policy_query(const nlohmann::json& input) {
  nlohmann::json query{{"input", input}};
  return query.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace memgov::authz
