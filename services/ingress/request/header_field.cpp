#include "request/header_field.hpp"

namespace memgov::ingress::request {
namespace {

char fold_header_char(char c) {
  if (c >= 'A' && c <= 'Z') {
    return static_cast<char>(c - 'A' + 'a');
  }
  return c == '_' ? '-' : c;
}

}  // namespace

bool header_name_equals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) {
    return false;
  }
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (fold_header_char(a[i]) != fold_header_char(b[i])) {
      return false;
    }
  }
  return true;
}

}  // namespace memgov::ingress::request
