// Strict UTF-8 decoding and the character classes that identifier checks need.
#pragma once

#include <cstddef>
#include <string_view>

namespace memgov::ingress::request {

// Decodes the UTF-8 sequence that starts at text[pos]. On success stores the code point, moves
// pos past the sequence and returns true. Rejects (returns false, pos unchanged) truncated
// sequences, stray continuation bytes, overlong forms such as C0 AF, UTF-16 surrogates
// (U+D800 to U+DFFF) and code points above U+10FFFF, as RFC 3629 requires.
bool decode_utf8(std::string_view text, std::size_t& pos, char32_t& code_point);

// Whether the whole of `text` is well-formed UTF-8 in the sense of decode_utf8.
bool is_valid_utf8(std::string_view text);

// C0 controls (U+0000 to U+001F), DEL (U+007F) and C1 controls (U+0080 to U+009F).
bool is_control_character(char32_t code_point);

// The characters for which Python's str.isspace() is true. Mem0 strips these from both ends of
// an entity id and rejects ids that contain them inside.
bool is_python_whitespace(char32_t code_point);

}  // namespace memgov::ingress::request
