// The memory records of a Mem0 list, search or get response: each record's memory id and the
// user, agent and run ids it names, for scoping the response to the caller's tenant.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "protocol/messages.hpp"

namespace memgov::ingress::request {

struct response_record {
  std::string memory_id;                        // "id"; empty when absent or not a string.
  std::vector<protocol::subject_ref> subjects;  // user_id, agent_id, run_id; tenant empty.
};

// A parsed list or search response. The document is kept so that records can be removed from it
// without parsing the body again. ordered_json keeps the keys in Mem0's order when the body is
// serialized again.
class record_list {
 public:
  // Parses {"results": [record, ...]} (Mem0 2.x, list and search) or a bare list of records
  // (servers before 1.0). Sets error() when the body is not one of those shapes. An entry of
  // results that is not an object becomes a record with no memory id and no subjects.
  explicit record_list(std::string_view body);

  const std::string& error() const { return error_; }
  const std::vector<response_record>& records() const { return records_; }

  // Returns the body with the records whose `keep` entry is false removed, serialized anew.
  // Everything else in the document (other top-level keys such as "relations") is kept.
  // `keep` has one entry per record.
  std::string without(const std::vector<bool>& keep) const;

 private:
  nlohmann::ordered_json document_;
  std::vector<response_record> records_;
  std::string error_;
};

// A parsed GET /memories/{id} response: Mem0 returns the record, or null for an unknown id.
struct memory_lookup {
  bool found = false;
  response_record record;
  std::string error;  // Set when the body is neither an object nor null.
};

memory_lookup read_memory_record(std::string_view body);

}  // namespace memgov::ingress::request
