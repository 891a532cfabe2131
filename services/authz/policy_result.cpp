#include "policy_result.hpp"

#include <nlohmann/json.hpp>

namespace memgov::authz {
namespace {

// Maximum length of an OPA error message copied into a reason.
constexpr std::size_t kMaxDetail = 200;

std::string shorten(std::string text) {
  if (text.size() > kMaxDetail) {
    text.resize(kMaxDetail);
    text += "...";
  }
  return text;
}

std::string message_text(const nlohmann::json& value) {
  if (value.is_string())
    return value.get<std::string>();
  return value.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace

policy_outcome engine_failure(std::string cause, const std::string& detail) {
  policy_outcome outcome;
  outcome.error_cause = std::move(cause);
  outcome.reason = "policy engine unavailable: " + detail;
  return outcome;
}

policy_outcome interpret_policy_response(int status, std::string_view body,
                                         const std::string& action) {
  nlohmann::json document = nlohmann::json::parse(body, nullptr, false);
  if (status != 200) {
    std::string detail = "OPA returned HTTP " + std::to_string(status);
    if (document.is_object() && document.contains("message")) {
      detail += ": " + shorten(message_text(document["message"]));
    }
    return engine_failure("http_status", detail);
  }
  if (document.is_discarded()) {
    return engine_failure("invalid_response", "OPA returned a body that is not JSON");
  }
  if (!document.is_object() || !document.contains("result")) {
    // OPA leaves out "result" when the document is undefined, which means
    // package mem0.authz is not loaded.
    return engine_failure("no_result",
                          "OPA returned no result for mem0.authz (are the policies loaded?)");
  }
  const nlohmann::json& result = document["result"];
  if (!result.is_object()) {
    return engine_failure("invalid_response", "OPA result for mem0.authz is not an object");
  }

  std::string deny_reason;
  bool denied = false;
  if (auto deny = result.find("deny"); deny != result.end() && !deny->is_null()) {
    if (!deny->is_array()) {
      return engine_failure("invalid_response", "OPA result field deny is not a list");
    }
    for (const nlohmann::json& message : *deny) {
      if (denied)
        deny_reason += "; ";
      deny_reason += message_text(message);
      denied = true;
    }
  }

  policy_outcome outcome;
  outcome.evaluated = true;
  if (auto revision = result.find("revision"); revision != result.end() && revision->is_string()) {
    outcome.revision = revision->get<std::string>();
  }
  if (auto cross = result.find("cross_tenant"); cross != result.end() && cross->is_boolean()) {
    outcome.cross_tenant = cross->get<bool>();
  }
  auto allow = result.find("allow");
  bool allowed = allow != result.end() && allow->is_boolean() && allow->get<bool>();
  outcome.allowed = allowed && !denied;
  if (outcome.allowed)
    return outcome;

  if (denied) {
    outcome.reason = deny_reason;
  } else if (auto reason = result.find("reason");
             reason != result.end() && reason->is_string() && !reason->get<std::string>().empty()) {
    outcome.reason = reason->get<std::string>();
  } else {
    outcome.reason = "no policy rule allows " + action;
  }
  return outcome;
}

}  // namespace memgov::authz
