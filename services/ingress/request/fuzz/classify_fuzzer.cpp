// libFuzzer entry point for the ingress request model.
//
// Input layout: the first line is the method, the second the request target, then header lines
// "name: value" up to an empty line, then the body. Every '\n' may be preceded by '\r'. The body
// is also scanned under each body schema and read as a Mem0 response. The fuzzer traps when an
// invariant that the ingress relies on does not hold.
#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

#include "request/body_identifiers.hpp"
#include "request/classify.hpp"
#include "request/identifier.hpp"
#include "request/response_ids.hpp"
#include "request/utf8.hpp"

namespace {

using namespace memgov::ingress::request;

void require(bool condition) {
  if (!condition) {
    __builtin_trap();
  }
}

bool is_printable_ascii(std::string_view text) {
  for (char c : text) {
    if (c < 0x20 || c > 0x7E) {
      return false;
    }
  }
  return true;
}

std::string_view next_line(std::string_view& rest) {
  const std::size_t newline = rest.find('\n');
  std::string_view line = rest.substr(0, newline);
  rest = newline == std::string_view::npos ? std::string_view() : rest.substr(newline + 1);
  if (!line.empty() && line.back() == '\r') {
    line.remove_suffix(1);
  }
  return line;
}

void check_subjects(const std::vector<memgov::protocol::subject_ref>& subjects) {
  require(subjects.size() <= kMaxSubjects);
  for (const auto& subject : subjects) {
    require(identifier_problem(subject.id) == nullptr);
    require(subject.tenant.empty());
  }
}

void check_classification(const classified_request& c) {
  require(is_printable_ascii(c.reason));
  require(is_valid_utf8(c.path));
  if (c.status != request_status::ok) {
    require(!c.reason.empty());
    return;
  }
  require(c.reason.empty());
  require(!c.path.empty() && c.path.front() == '/');
  require(!c.identity.actor.empty() && !c.identity.tenant.empty() && !c.identity.roles.empty());
  require(c.route != route_id::none);
  require(!c.resource.empty() && is_valid_utf8(c.resource));
  check_subjects(c.subjects);
  if (is_admin_route(c.route)) {
    // The admin routes name their target in c.admin, never in c.subjects.
    require(c.subjects.empty());
    require(tenant_name_problem(c.admin.tenant).empty());
    if (c.route == route_id::assign_subject) {
      require(identifier_problem(c.admin.id) == nullptr && c.admin.id != "*");
    }
    return;
  }
  require((c.action == kActionAdmin) == c.subjects.empty());
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view rest(reinterpret_cast<const char*>(data), size);
  request_input input;
  input.method = next_line(rest);
  input.target = next_line(rest);
  std::vector<header_field> headers;
  while (!rest.empty()) {
    const std::string_view line = next_line(rest);
    if (line.empty()) {
      break;
    }
    const std::size_t colon = line.find(':');
    std::string_view value =
        colon == std::string_view::npos ? std::string_view() : line.substr(colon + 1);
    headers.push_back({line.substr(0, colon), value});
  }
  input.headers = headers;
  input.body = rest;

  check_classification(classify_request(input));

  for (auto schema : {body_schema::add_memories, body_schema::search, body_schema::update_memory}) {
    subject_list subjects;
    const body_scan_result scan = scan_body_identifiers(input.body, schema, subjects);
    require(is_printable_ascii(scan.error));
    check_subjects(subjects.items());
  }
  for (const auto& event : extract_memory_events(input.body)) {
    require(identifier_problem(event.id) == nullptr);
  }
  return 0;
}
