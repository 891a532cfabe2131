// Checks on the user, agent, run and memory ids that a request names.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace memgov::ingress::request {

// Maximum length in bytes of one identifier (and of one identity header value).
inline constexpr std::size_t kMaxIdentifierBytes = 256;

// The id that stands for "every user" (or agent, run) in Mem0 filters. It is returned as a
// subject like any other id so that the policy can deny it.
inline constexpr std::string_view kWildcardId = "*";

// Returns nullptr when `id` is acceptable as an identifier, else a phrase that completes
// "<where> ..." ("is empty", "contains whitespace", ...).
//
// An identifier must be 1 to kMaxIdentifierBytes bytes of well-formed UTF-8 without control
// characters and without whitespace. Whitespace is rejected because Mem0 strips it from both ends
// of an entity id: " alice" would be checked here as one id and executed by Mem0 as another.
const char* identifier_problem(std::string_view id);

// Returns nullptr when `id` is a memory id in the one spelling this gateway accepts, the
// canonical lower-case UUID ("8-4-4-4-12" hex digits), else a phrase completing "<where> ...".
// Mem0 parses memory ids as UUIDs, so an upper-case or hyphen-free spelling reaches the same
// memory; accepting only one spelling keeps the ownership registry's key and Mem0's lookup the
// same id.
const char* memory_id_problem(std::string_view id);

// Returns `text` made safe to quote in an error reason: at most 64 bytes, every byte that is
// not printable ASCII replaced by '?', and "..." appended when it was cut.
std::string excerpt_for_reason(std::string_view text);

}  // namespace memgov::ingress::request
