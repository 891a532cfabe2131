// Scoping of a list or search response to the caller's tenant: which records to remove because
// they belong to another tenant, or to none.
//
// This is the second wall behind the request checks. Mem0 only returns what the request's
// filters select, and the authz stage checked every identifier in them, so a removed record
// means Mem0 and the gateway disagree about a request, or someone changed the upstream data.
#pragma once

#include <string>
#include <vector>

#include "protocol/messages.hpp"
#include "request/response_records.hpp"

namespace memgov::ingress::request {

// Returns the distinct subjects whose owners scoping needs: the memory id and session ids of
// every record that names a session id outside `checked` or names none, leaving out the ids in
// `checked`. `checked` are the subjects of the allowed request, which the authz stage found to
// belong to the caller's tenant.
std::vector<protocol::subject_ref> owners_needed(const std::vector<response_record>& records,
                                                 const std::vector<protocol::subject_ref>& checked);

struct removed_record {
  std::string memory_id;
  std::string owner;  // The other tenant it belongs to; empty when it belongs to none.
};

struct scope_result {
  std::vector<bool> keep;  // One entry per record.
  std::vector<removed_record> removed;
};

// Decides each record. A record stays when all its session ids are in `checked`. Otherwise it
// stays only when none of its ids (session ids and memory id) belongs to a tenant other than
// `tenant` and at least one belongs to `tenant` (an id in `checked` counts as `tenant`'s).
// `owners` are owners_needed()'s subjects with their tenant filled in ("" for none); an id
// missing from it counts as unowned.
scope_result scope_records(const std::vector<response_record>& records,
                           const std::vector<protocol::subject_ref>& checked,
                           const std::vector<protocol::subject_ref>& owners,
                           const std::string& tenant);

}  // namespace memgov::ingress::request
