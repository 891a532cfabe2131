#include "request/identifier.hpp"

#include "request/utf8.hpp"

namespace memgov::ingress::request {

const char* identifier_problem(std::string_view id) {
  if (id.empty()) {
    return "is empty";
  }
  if (id.size() > kMaxIdentifierBytes) {
    return "is longer than 256 bytes";
  }
  std::size_t pos = 0;
  while (pos < id.size()) {
    char32_t code_point = 0;
    if (!decode_utf8(id, pos, code_point)) {
      return "is not valid UTF-8";
    }
    // Whitespace is tested first because tab and line feed are controls as well, and
    // "contains whitespace" is the more useful message for them.
    if (is_python_whitespace(code_point)) {
      return "contains whitespace";
    }
    if (is_control_character(code_point)) {
      return "contains a control character";
    }
  }
  return nullptr;
}

std::string excerpt_for_reason(std::string_view text) {
  constexpr std::size_t max_bytes = 64;
  std::string out;
  const std::size_t copied = text.size() < max_bytes ? text.size() : max_bytes;
  out.reserve(copied + 3);
  for (std::size_t i = 0; i < copied; ++i) {
    const auto byte = static_cast<unsigned char>(text[i]);
    out.push_back(byte >= 0x20 && byte < 0x7F ? static_cast<char>(byte) : '?');
  }
  if (copied < text.size()) {
    out += "...";
  }
  return out;
}

const char* memory_id_problem(std::string_view id) {
  constexpr std::size_t kUuidLength = 36;
  if (id.size() != kUuidLength) {
    return "is not a lower-case UUID";
  }
  for (std::size_t i = 0; i < id.size(); ++i) {
    const char c = id[i];
    const bool dash_position = i == 8 || i == 13 || i == 18 || i == 23;
    const bool ok = dash_position ? c == '-' : ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'));
    if (!ok) {
      return "is not a lower-case UUID";
    }
  }
  return nullptr;
}

}  // namespace memgov::ingress::request
