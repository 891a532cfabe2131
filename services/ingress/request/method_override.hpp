// Detection of method-override conventions, which the gateway rejects.
//
// Some frameworks and proxies let a header or a query parameter replace the HTTP method, so a
// POST could be executed as a DELETE after the gateway decided on POST. Starlette honours none of
// them, but a proxy between the gateway and Mem0 might, so any such request is invalid.
#pragma once

#include <string_view>

#include "request/header_field.hpp"

namespace memgov::ingress::request {

// Whether a header named X-HTTP-Method-Override, X-HTTP-Method or X-Method-Override is present,
// in any letter case and with '_' for '-'.
bool has_method_override_header(header_list headers);

// Whether a decoded query parameter name is "_method", in any letter case.
bool is_method_override_parameter(std::string_view name);

}  // namespace memgov::ingress::request
