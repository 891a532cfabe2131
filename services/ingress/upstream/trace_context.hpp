// W3C Trace Context headers (https://www.w3.org/TR/trace-context/), which the gateway relays to
// Mem0 without taking part in the trace.
#pragma once

#include <string_view>

#include <boost/beast/http/fields.hpp>

namespace memgov::ingress::upstream {

// True when `value` is a traceparent of the form version-traceid-parentid-flags in lower-case
// hex (2-32-16-2 digits), with a version other than ff and a trace id and parent id that are
// not all zeros. Version 00 has exactly these four fields. A later version may append fields
// after a '-', as the specification allows.
bool is_valid_traceparent(std::string_view value);

// Keeps one well-formed traceparent header and removes it otherwise, when it is malformed or
// sent more than once. Tracestate is removed with it, because the specification ties it to
// the traceparent it came with.
void filter_trace_context(boost::beast::http::fields& fields);

}  // namespace memgov::ingress::upstream
