// Extraction of the identifiers named in a JSON request body, in one pass over the bytes.
//
// The body is forwarded to Mem0 unchanged, so the gateway must read it exactly as Python's json
// module will. Python keeps the last of duplicate keys and nlohmann::json keeps one of them, so a
// duplicate key at any depth is rejected. The scan uses nlohmann's SAX interface: it never builds
// a DOM and never copies the body.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "request/subjects.hpp"

namespace memgov::ingress::request {

// Maximum nesting depth of objects and arrays in a request body.
inline constexpr std::size_t kMaxJsonDepth = 64;

// Request model that the body follows. It decides where identifiers are looked for.
enum class body_schema {
  // POST /memories: top-level user_id, agent_id, run_id, and the same keys inside the top-level
  // "metadata" object, because Mem0 before 2.2 copied them from there into the memory's scope.
  add_memories,
  // POST /search: top-level user_id, agent_id, run_id (Mem0 copies them into the filters) and
  // every identifier anywhere inside "filters".
  search,
  // PUT /memories/{id}: identity keys inside the top-level "metadata" object, for the same reason
  // as add_memories. A top-level user_id is not read by Mem0 and is ignored.
  update_memory,
};

struct body_scan_result {
  std::string error;  // Empty on success, else the reason for a 400.
  // Whether a top-level user_id, agent_id or run_id was given (null counts as absent).
  bool names_top_level_id = false;
};

// Scans `body`, which must be one JSON object, and appends every identifier it names to
// `subjects`.
//
// Rules for the filters of a search, which accept the syntax of Mem0 2.2.1:
// - an identity key ("user_id", "agent_id", "run_id") found in any object at any depth inside
//   "filters" counts, whatever logical operator it sits under (AND, OR, NOT, $and, $or, $not);
// - a plain string value or the operators "eq" and "in" name their ids as subjects;
// - the operators "ne", "nin", "gt", "gte", "lt", "lte", "contains" and "icontains" match ids
//   other than the ones written, and so does any identity condition under a NOT (in any letter
//   case, with or without '$'). These add the wildcard subject ("*") of that kind instead, so the
//   policy denies some requests whose overall scope is narrow, such as
//   {"user_id": "a", "NOT": [{"user_id": "b"}]}. The gateway does not reason about combinations
//   because Mem0 merges AND branches into the top-level filter in a way that can replace the
//   top-level id;
// - any other operator on an identity key is invalid, as in Mem0.
//
// Also invalid: malformed JSON, a body that is not an object, a duplicate key in any object, an
// identifier that is not a string (numbers, booleans, lists and objects where Mem0 expects a
// string; null only inside "filters"), an identifier that fails identifier_problem(), an empty
// "in" or "nin" list, nesting deeper than kMaxJsonDepth and more than kMaxSubjects subjects.
body_scan_result scan_body_identifiers(std::string_view body, body_schema schema,
                                       subject_list& subjects);

}  // namespace memgov::ingress::request
