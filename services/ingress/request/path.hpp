// Splitting of the request target and normalization of its path the way uvicorn and Starlette
// see it.
//
// uvicorn percent-decodes the path exactly once and Starlette routes on the result, case-
// sensitively. The gateway decodes the same way so that it decides on the path that Mem0
// executes, and it rejects every form whose meaning could differ between the gateway, a proxy and
// Mem0 (encoded slashes, dot-segments, empty segments) instead of guessing.
#pragma once

#include <array>
#include <cstddef>
#include <string>
#include <string_view>
#include <utility>

namespace memgov::ingress::request {

// Maximum length in bytes of the raw request target.
inline constexpr std::size_t kMaxTargetBytes = 8192;

struct request_target {
  std::string error;       // Empty when the target is acceptable.
  std::string_view path;   // Raw path: the target up to the first '?'.
  std::string_view query;  // Raw query: after the first '?', without it; empty when absent.
};

// Splits an origin-form target ("/memories?user_id=a"). Rejects an empty target, one longer than
// kMaxTargetBytes, one that does not start with '/' (absolute-form, asterisk-form), and any byte
// outside printable ASCII or a '#', since a client never sends a fragment. Raw non-ASCII bytes
// are rejected because uvicorn and Starlette read the raw target as ASCII or Latin-1, not UTF-8.
request_target split_target(std::string_view target);

// Number of leading path segments whose position is kept; no route has more.
inline constexpr std::size_t kKeptSegments = 5;

struct normalized_path {
  std::string error;    // Empty on success, else the reason for a 400.
  std::string decoded;  // The percent-decoded path, e.g. "/memories/abc"; "/" for the root.
  std::size_t segment_count = 0;  // Number of segments; 0 for "/".

  // Returns segment i (0-based, decoded) for i < min(segment_count, kKeptSegments). The view
  // points into `decoded`, so it dies with this object and is invalidated by copying or moving
  // it.
  std::string_view segment(std::size_t i) const;

  std::array<std::pair<std::size_t, std::size_t>, kKeptSegments> spans{};  // Offset, length.
};

// Percent-decodes `raw_path` segment by segment, once, and checks the result. '+' stays a plus
// sign, as in uvicorn. Rejected are:
// - a path not starting with '/', and malformed escapes ("%zz", "%4");
// - an escape that decodes to '/', since Starlette would split the segment there;
// - a decoded NUL or other control character, and bytes that are not UTF-8 after decoding
//   (overlong forms included);
// - dot-segments ("." or ".." after decoding), doubled slashes and a trailing slash.
normalized_path normalize_path(std::string_view raw_path);

}  // namespace memgov::ingress::request
