// The value of one hexadecimal digit, for the parsers that read hex (UUIDs, SHA-256 digests,
// percent-escapes). Header-only, so that code built without memgov_common (the fuzzer) can use
// it too.
#pragma once

namespace memgov::text {

// Returns 0-15 for 0-9, a-f and A-F, and -1 for any other character.
inline int hex_digit_value(char c) {
  if (c >= '0' && c <= '9') {
    return c - '0';
  }
  if (c >= 'a' && c <= 'f') {
    return c - 'a' + 10;
  }
  if (c >= 'A' && c <= 'F') {
    return c - 'A' + 10;
  }
  return -1;
}

}  // namespace memgov::text
