// The caller's identity, read from the X-User-Id, X-User-Role and X-Tenant-Id headers.
#pragma once

#include <string>
#include <vector>

#include "request/header_field.hpp"

namespace memgov::ingress::request {

struct caller_identity {
  std::string actor;               // X-User-Id.
  std::string tenant;              // X-Tenant-Id.
  std::string role_header;         // X-User-Role without surrounding whitespace, for the audit row.
  std::vector<std::string> roles;  // X-User-Role split on ',', each entry trimmed.
};

struct identity_result {
  std::string error;  // Empty when all three headers are valid, else the reason for a 400.
  // Every header that passed its checks is filled in, even when `error` is set, so that the
  // audit row of a rejected request still names whatever could be trusted.
  caller_identity identity;
};

// Reads and checks the three identity headers. Header names match in any letter case and with
// '_' for '-'. Each header must be present exactly once, and its value (spaces and tabs at both
// ends removed) must be 1 to 256 bytes of printable ASCII. X-User-Id and X-Tenant-Id may contain
// only letters, digits and - _ . : @. X-User-Role is a comma-separated list of such names, none of
// them empty. The first problem found, in the order X-User-Id, X-User-Role, X-Tenant-Id, becomes
// the error, and it names the header.
identity_result parse_identity(header_list headers);

}  // namespace memgov::ingress::request
