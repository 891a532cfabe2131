#include "request/method_override.hpp"

namespace memgov::ingress::request {

bool has_method_override_header(header_list headers) {
  for (const auto& field : headers) {
    if (header_name_equals(field.name, "x-http-method-override") ||
        header_name_equals(field.name, "x-http-method") ||
        header_name_equals(field.name, "x-method-override")) {
      return true;
    }
  }
  return false;
}

bool is_method_override_parameter(std::string_view name) {
  if (name.size() != 7 || name[0] != '_') {
    return false;
  }
  constexpr std::string_view expected = "method";
  for (std::size_t i = 0; i < expected.size(); ++i) {
    char c = name[i + 1];
    if (c >= 'A' && c <= 'Z') {
      c = static_cast<char>(c - 'A' + 'a');
    }
    if (c != expected[i]) {
      return false;
    }
  }
  return true;
}

}  // namespace memgov::ingress::request
