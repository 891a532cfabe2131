#include "request/path.hpp"

#include "request/percent_decoding.hpp"
#include "request/utf8.hpp"

namespace memgov::ingress::request {
namespace {

// Checks one decoded segment. Returns the error or nullptr.
const char* segment_problem(std::string_view segment) {
  if (segment == "." || segment == "..") {
    return "dot-segment in path";
  }
  std::size_t pos = 0;
  while (pos < segment.size()) {
    char32_t code_point = 0;
    if (!decode_utf8(segment, pos, code_point)) {
      return "path is not valid UTF-8 after percent-decoding";
    }
    if (code_point == '/') {
      return "encoded slash (%2F) in path segment";
    }
    if (is_control_character(code_point)) {
      return "path contains a control character after percent-decoding";
    }
  }
  return nullptr;
}

}  // namespace

request_target split_target(std::string_view target) {
  request_target result;
  if (target.empty()) {
    result.error = "request target is empty";
    return result;
  }
  if (target.size() > kMaxTargetBytes) {
    result.error = "request target is longer than 8192 bytes";
    return result;
  }
  if (target.front() != '/') {
    result.error = "request target must be a path starting with '/'";
    return result;
  }
  for (char c : target) {
    if (c <= 0x20 || c >= 0x7F) {
      result.error = "request target contains a byte that is not printable ASCII";
      return result;
    }
    if (c == '#') {
      result.error = "request target contains a fragment ('#')";
      return result;
    }
  }
  const std::size_t question = target.find('?');
  if (question == std::string_view::npos) {
    result.path = target;
  } else {
    result.path = target.substr(0, question);
    result.query = target.substr(question + 1);
  }
  return result;
}

std::string_view normalized_path::segment(std::size_t i) const {
  return std::string_view(decoded).substr(spans[i].first, spans[i].second);
}

normalized_path normalize_path(std::string_view raw_path) {
  normalized_path result;
  if (raw_path.empty() || raw_path.front() != '/') {
    result.error = "path must start with '/'";
    return result;
  }
  result.decoded.reserve(raw_path.size());
  result.decoded.push_back('/');
  if (raw_path.size() == 1) {
    return result;
  }

  std::size_t start = 1;
  while (start <= raw_path.size()) {
    std::size_t slash = raw_path.find('/', start);
    const bool last = slash == std::string_view::npos;
    if (last) {
      slash = raw_path.size();
    }
    const std::string_view raw_segment = raw_path.substr(start, slash - start);
    if (raw_segment.empty()) {
      result.error = last ? "trailing slash in path" : "empty path segment (doubled slash)";
      return result;
    }

    if (result.segment_count > 0) {
      result.decoded.push_back('/');
    }
    const std::size_t offset = result.decoded.size();
    if (!percent_decode(raw_segment, plus_sign::literal, result.decoded)) {
      result.error = "malformed percent-escape in path";
      return result;
    }
    const std::size_t length = result.decoded.size() - offset;
    if (const char* problem = segment_problem(std::string_view(result.decoded).substr(offset))) {
      result.error = problem;
      return result;
    }
    if (result.segment_count < kKeptSegments) {
      result.spans[result.segment_count] = {offset, length};
    }
    ++result.segment_count;
    start = slash + 1;
  }
  return result;
}

}  // namespace memgov::ingress::request
