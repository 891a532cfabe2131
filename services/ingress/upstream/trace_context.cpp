#include "upstream/trace_context.hpp"

#include <cstddef>
#include <iterator>

namespace memgov::ingress::upstream {
namespace {

bool is_lower_hex(std::string_view text) {
  for (char c : text) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) {
      return false;
    }
  }
  return true;
}

bool is_all_zeros(std::string_view text) {
  return text.find_first_not_of('0') == std::string_view::npos;
}

// Length of "vv-" + 32 + "-" + 16 + "-ff".
constexpr std::size_t kVersion0Length = 55;

}  // namespace

bool is_valid_traceparent(std::string_view value) {
  if (value.size() < kVersion0Length) {
    return false;
  }
  std::string_view version = value.substr(0, 2);
  std::string_view trace_id = value.substr(3, 32);
  std::string_view parent_id = value.substr(36, 16);
  std::string_view flags = value.substr(53, 2);
  if (value[2] != '-' || value[35] != '-' || value[52] != '-') {
    return false;
  }
  if (!is_lower_hex(version) || !is_lower_hex(trace_id) || !is_lower_hex(parent_id) ||
      !is_lower_hex(flags)) {
    return false;
  }
  if (version == "ff" || is_all_zeros(trace_id) || is_all_zeros(parent_id)) {
    return false;
  }
  if (version == "00") {
    return value.size() == kVersion0Length;
  }
  return value.size() == kVersion0Length || value[kVersion0Length] == '-';
}

void filter_trace_context(boost::beast::http::fields& fields) {
  auto [first, last] = fields.equal_range("traceparent");
  bool keep = first != last && std::next(first) == last &&
              is_valid_traceparent({first->value().data(), first->value().size()});
  if (!keep) {
    fields.erase("traceparent");
    fields.erase("tracestate");
  }
}

}  // namespace memgov::ingress::upstream
