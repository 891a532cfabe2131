#include "request/query.hpp"

#include "request/identifier.hpp"
#include "request/percent_decoding.hpp"
#include "request/utf8.hpp"

namespace memgov::ingress::request {

const std::string* parsed_query::find(std::string_view name) const {
  for (const auto& parameter : parameters) {
    if (parameter.name == name) {
      return &parameter.value;
    }
  }
  return nullptr;
}

parsed_query parse_query(std::string_view raw_query) {
  parsed_query result;
  std::size_t start = 0;
  while (start < raw_query.size()) {
    std::size_t amp = raw_query.find('&', start);
    if (amp == std::string_view::npos) {
      amp = raw_query.size();
    }
    const std::string_view piece = raw_query.substr(start, amp - start);
    start = amp + 1;
    if (piece.empty()) {
      continue;
    }
    if (result.parameters.size() == kMaxQueryParameters) {
      result.error = "query string has more than 64 parameters";
      return result;
    }

    const std::size_t equals = piece.find('=');
    const std::string_view raw_name = piece.substr(0, equals);
    const std::string_view raw_value =
        equals == std::string_view::npos ? std::string_view() : piece.substr(equals + 1);
    query_parameter parameter;
    if (!percent_decode(raw_name, plus_sign::space, parameter.name) ||
        !percent_decode(raw_value, plus_sign::space, parameter.value)) {
      result.error = "malformed percent-escape in query string";
      return result;
    }
    if (!is_valid_utf8(parameter.name) || !is_valid_utf8(parameter.value)) {
      result.error = "query string is not valid UTF-8 after percent-decoding";
      return result;
    }
    if (result.find(parameter.name) != nullptr) {
      result.error = "query parameter " + excerpt_for_reason(parameter.name) + " is repeated";
      return result;
    }
    result.parameters.push_back(std::move(parameter));
  }
  return result;
}

}  // namespace memgov::ingress::request
