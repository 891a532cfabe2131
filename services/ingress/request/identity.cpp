#include "request/identity.hpp"

#include <cstddef>
#include <string_view>

#include "request/identifier.hpp"

namespace memgov::ingress::request {
namespace {

struct header_occurrence {
  std::string_view canonical_name;
  std::string_view value;
  std::size_t count = 0;
};

std::string_view trim_whitespace(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) {
    text.remove_prefix(1);
  }
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) {
    text.remove_suffix(1);
  }
  return text;
}

bool is_safe_id_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '_' || c == '.' || c == ':' || c == '@';
}

// Checks presence, count, length and printable ASCII. Returns the error or "".
std::string check_header_value(const header_occurrence& header) {
  const std::string name(header.canonical_name);
  if (header.count == 0) {
    return "missing " + name + " header";
  }
  if (header.count > 1) {
    return name + " header is sent more than once";
  }
  if (header.value.empty()) {
    return "missing " + name + " header (the value is empty)";
  }
  if (header.value.size() > kMaxIdentifierBytes) {
    return name + " header is longer than 256 bytes";
  }
  for (char c : header.value) {
    if (c < 0x20 || c > 0x7E) {
      return name + " header contains a character that is not printable ASCII";
    }
  }
  return {};
}

std::string check_safe_name(std::string_view header_name, std::string_view name) {
  for (char c : name) {
    if (!is_safe_id_char(c)) {
      return std::string(header_name) + " header contains '" + std::string(1, c) +
             "'; only letters, digits and - _ . : @ are allowed";
    }
  }
  return {};
}

std::string parse_roles(std::string_view value, std::vector<std::string>& roles) {
  std::size_t start = 0;
  while (start <= value.size()) {
    std::size_t comma = value.find(',', start);
    if (comma == std::string_view::npos) {
      comma = value.size();
    }
    const std::string_view role = trim_whitespace(value.substr(start, comma - start));
    if (role.empty()) {
      return "X-User-Role header contains an empty role name";
    }
    std::string error = check_safe_name("X-User-Role", role);
    if (!error.empty()) {
      return error;
    }
    roles.emplace_back(role);
    start = comma + 1;
  }
  return {};
}

}  // namespace

identity_result parse_identity(header_list headers) {
  header_occurrence actor{"X-User-Id", {}, 0};
  header_occurrence role{"X-User-Role", {}, 0};
  header_occurrence tenant{"X-Tenant-Id", {}, 0};
  for (const auto& field : headers) {
    for (header_occurrence* wanted : {&actor, &role, &tenant}) {
      if (header_name_equals(field.name, wanted->canonical_name)) {
        wanted->value = trim_whitespace(field.value);
        ++wanted->count;
      }
    }
  }

  identity_result result;
  auto record_error = [&result](std::string error) {
    if (result.error.empty()) {
      result.error = std::move(error);
    }
  };

  std::string error = check_header_value(actor);
  if (error.empty()) {
    error = check_safe_name(actor.canonical_name, actor.value);
  }
  if (error.empty()) {
    result.identity.actor = std::string(actor.value);
  }
  record_error(std::move(error));

  error = check_header_value(role);
  std::vector<std::string> roles;
  if (error.empty()) {
    error = parse_roles(role.value, roles);
  }
  if (error.empty()) {
    result.identity.role_header = std::string(role.value);
    result.identity.roles = std::move(roles);
  }
  record_error(std::move(error));

  error = check_header_value(tenant);
  if (error.empty()) {
    error = check_safe_name(tenant.canonical_name, tenant.value);
  }
  if (error.empty()) {
    result.identity.tenant = std::string(tenant.value);
  }
  record_error(std::move(error));
  return result;
}

}  // namespace memgov::ingress::request
