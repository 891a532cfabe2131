#include "request/admin_request.hpp"

#include <charconv>
#include <set>
#include <utility>

#include <nlohmann/json.hpp>

#include "request/identifier.hpp"
#include "request/subjects.hpp"

namespace memgov::ingress::request {
namespace {

bool is_tenant_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '_' || c == '.' || c == ':' || c == '@';
}

// Reads a flat JSON object of string members with SAX, so that a repeated key is seen (a DOM
// keeps only one of them, Python's json module the last).
class assign_body_reader : public nlohmann::json_sax<nlohmann::json> {
 public:
  explicit assign_body_reader(admin_target& target) : target_(target) {}

  bool null() override { return fail_value("null"); }
  bool boolean(bool) override { return fail_value("a boolean"); }
  bool number_integer(number_integer_t) override { return fail_value("a number"); }
  bool number_unsigned(number_unsigned_t) override { return fail_value("a number"); }
  bool number_float(number_float_t, const string_t&) override { return fail_value("a number"); }
  bool binary(binary_t&) override { return fail_value("binary data"); }
  bool start_array(std::size_t) override {
    return depth_ == 0 ? fail("request body is not a JSON object") : fail_value("a list");
  }
  bool end_array() override { return false; }

  bool start_object(std::size_t) override {
    if (depth_ > 0)
      return fail_value("an object");
    ++depth_;
    return true;
  }
  bool end_object() override {
    --depth_;
    return true;
  }

  bool key(string_t& name) override {
    std::string* slot = slot_of(name);
    if (slot == nullptr)
      return fail("unknown key '" + excerpt_for_reason(name) + "'; expected tenant, kind and id");
    if (seen(name))
      return fail("key '" + name + "' is repeated");
    key_ = name;
    current_ = slot;
    return true;
  }

  bool string(string_t& value) override {
    if (depth_ == 0)
      return fail("request body is not a JSON object");
    *current_ = std::move(value);
    return true;
  }

  bool parse_error(std::size_t position, const std::string&,
                   const nlohmann::detail::exception&) override {
    if (error_.empty())
      error_ = "request body is not valid JSON (at byte " + std::to_string(position) + ")";
    return false;
  }

  std::string& error() { return error_; }

 private:
  std::string* slot_of(const std::string& name) {
    if (name == "tenant")
      return &target_.tenant;
    if (name == "kind")
      return &target_.kind;
    if (name == "id")
      return &target_.id;
    return nullptr;
  }

  // Marks `name` as read and returns whether it was read before.
  bool seen(const std::string& name) {
    bool repeated = read_keys_.count(name) > 0;
    read_keys_.insert(name);
    return repeated;
  }

  bool fail_value(const char* value_type) {
    if (depth_ == 0)
      return fail("request body is not a JSON object");
    return fail("key '" + key_ + "' is " + value_type + "; expected a string");
  }

  bool fail(std::string reason) {
    if (error_.empty())
      error_ = std::move(reason);
    return false;
  }

  admin_target& target_;
  std::string error_;
  std::string key_;
  std::string* current_ = nullptr;
  int depth_ = 0;
  std::set<std::string> read_keys_;
};

// Returns "" when `kind` is user_id, agent_id or run_id, else the reason.
std::string kind_problem(std::string_view where, std::string_view kind) {
  identifier_kind parsed;
  if (parse_session_kind(kind, parsed))
    return {};
  return std::string(where) + " '" + excerpt_for_reason(kind) +
         "' is not a subject kind; expected user_id, agent_id or run_id";
}

// Returns "" when `id` may be assigned or named in a cursor, else the reason.
std::string subject_id_problem(std::string_view where, std::string_view id) {
  if (const char* problem = identifier_problem(id))
    return std::string(where) + " " + problem;
  if (id == kWildcardId)
    return std::string(where) + " may not be the wildcard *";
  return {};
}

std::string parse_limit(const std::string& text, std::uint32_t& limit) {
  std::uint32_t value = 0;
  auto [end, status] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || status != std::errc() || end != text.data() + text.size() || value == 0 ||
      value > kMaxSubjectPage) {
    return "query parameter limit must be a whole number from 1 to " +
           std::to_string(kMaxSubjectPage);
  }
  limit = value;
  return {};
}

std::string parse_cursor(const std::string& cursor, admin_target& target) {
  std::size_t colon = cursor.find(':');
  if (colon == std::string::npos)
    return "query parameter cursor is not a next_cursor value of this route";
  std::string kind = cursor.substr(0, colon);
  std::string id = cursor.substr(colon + 1);
  std::string problem = kind_problem("cursor kind", kind);
  if (problem.empty())
    problem = subject_id_problem("cursor id", id);
  if (!problem.empty())
    return problem;
  target.after_kind = std::move(kind);
  target.after_id = std::move(id);
  return {};
}

}  // namespace

std::string tenant_name_problem(std::string_view name) {
  if (name.empty())
    return "is empty";
  if (name.size() > kMaxIdentifierBytes)
    return "is longer than " + std::to_string(kMaxIdentifierBytes) + " bytes";
  for (char c : name) {
    if (!is_tenant_char(c))
      return "contains a character other than letters, digits and - _ . : @";
  }
  return {};
}

admin_parse_result parse_assign_body(std::string_view body) {
  admin_parse_result result;
  assign_body_reader reader(result.target);
  bool parsed = nlohmann::json::sax_parse(body, &reader);
  if (!parsed || !reader.error().empty()) {
    result.error = reader.error().empty() ? "request body is not valid JSON" : reader.error();
    return result;
  }
  admin_target& target = result.target;
  const std::pair<const char*, const std::string*> members[] = {
      {"tenant", &target.tenant}, {"kind", &target.kind}, {"id", &target.id}};
  for (const auto& [name, value] : members) {
    if (value->empty()) {
      result.error = std::string("request body has no ") + name + " or an empty one";
      return result;
    }
  }
  if (std::string problem = tenant_name_problem(target.tenant); !problem.empty()) {
    result.error = "tenant " + problem;
  } else if (std::string kind = kind_problem("kind", target.kind); !kind.empty()) {
    result.error = std::move(kind);
  } else {
    result.error = subject_id_problem("id", target.id);
  }
  return result;
}

admin_parse_result parse_list_query(std::string_view tenant, const parsed_query& query) {
  admin_parse_result result;
  if (std::string problem = tenant_name_problem(tenant); !problem.empty()) {
    result.error = "tenant in the path " + problem;
    return result;
  }
  result.target.tenant = std::string(tenant);
  for (const query_parameter& parameter : query.parameters) {
    std::string problem;
    if (parameter.name == "kind") {
      problem = kind_problem("query parameter kind", parameter.value);
      result.target.kind = parameter.value;
    } else if (parameter.name == "limit") {
      problem = parse_limit(parameter.value, result.target.limit);
    } else if (parameter.name == "cursor") {
      problem = parse_cursor(parameter.value, result.target);
    } else {
      problem = "unknown query parameter '" + excerpt_for_reason(parameter.name) +
                "'; expected kind, limit or cursor";
    }
    if (!problem.empty()) {
      result.error = std::move(problem);
      return result;
    }
  }
  return result;
}

std::string subject_cursor(std::string_view kind, std::string_view id) {
  return std::string(kind) + ":" + std::string(id);
}

}  // namespace memgov::ingress::request
