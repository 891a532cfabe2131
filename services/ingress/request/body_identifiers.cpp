#include "request/body_identifiers.hpp"

#include <cstdint>
#include <deque>
#include <exception>
#include <memory>
#include <unordered_set>
#include <vector>

#include <nlohmann/json.hpp>

#include "request/identifier.hpp"

namespace memgov::ingress::request {
namespace {

using json = nlohmann::json;

// Meaning of a JSON value at a given position, for identifier extraction.
enum class slot : std::uint8_t {
  ignored,        // Not inspected beyond the duplicate-key and depth checks.
  body,           // The whole body: must be an object.
  top_level_id,   // Top-level user_id, agent_id or run_id: a string or null.
  metadata,       // Top-level "metadata": its identity keys count.
  metadata_id,    // Identity key inside "metadata": a string or null.
  filters,        // Top-level "filters" of a search: an object or null.
  filter_node,    // Any other value inside the filters; objects in it are filters too.
  filter_id,      // Identity key inside a filter object: a string or an operator object.
  operator_one,   // Operand of eq, ne, gt, ...: a string.
  operator_list,  // Operand of in or nin: a non-empty list of strings.
  list_item,      // Element of an in or nin list: a string.
};

// Meaning of the keys of an object.
enum class object_role : std::uint8_t { opaque, body, metadata, filter, operators };

struct position {
  slot where = slot::ignored;
  identifier_kind kind = identifier_kind::user_id;
  // For identifier slots: the condition matches ids other than the one written, so it names
  // the wildcard. For filter_node and filter objects: the value sits under a NOT.
  bool wildcard = false;
  std::string_view op;  // Operator name for messages; points to a static string.
};

struct frame {
  bool is_object = false;
  object_role role = object_role::opaque;
  position self;  // Position of the container itself.
  position next;  // Object: where the value after the last key goes. Array: every element.
  std::size_t keys_begin = 0;
  std::size_t element_count = 0;
  // Built once an object has more keys than a linear scan handles well.
  std::unique_ptr<std::unordered_set<std::string_view>> key_index;
};

constexpr std::size_t kLinearKeyScanLimit = 16;

bool is_not_operator(std::string_view key) {
  if (!key.empty() && key.front() == '$') {
    key.remove_prefix(1);
  }
  return key.size() == 3 && (key[0] == 'n' || key[0] == 'N') && (key[1] == 'o' || key[1] == 'O') &&
         (key[2] == 't' || key[2] == 'T');
}

struct operator_rule {
  std::string_view name;
  bool takes_list;
  bool matches_other_ids;  // True when the operator selects ids other than its operand.
};

// Filter operators of Mem0 2.2.1 (Memory._process_metadata_filters).
constexpr operator_rule kOperators[] = {
    {"eq", false, false},       {"in", true, false},  {"ne", false, true},
    {"nin", true, true},        {"gt", false, true},  {"gte", false, true},
    {"lt", false, true},        {"lte", false, true}, {"contains", false, true},
    {"icontains", false, true},
};

const operator_rule* find_operator(std::string_view name) {
  for (const auto& rule : kOperators) {
    if (rule.name == name) {
      return &rule;
    }
  }
  return nullptr;
}

// Keeps the part of an nlohmann parse error that nlohmann wrote itself: it drops the
// "[json.exception...] " prefix and the "; last read: '...'" tail, which quotes raw input.
std::string describe_parse_error(const char* what) {
  std::string_view text(what);
  // nlohmann::json starts each message with its exception id, e.g. "[json.exception.
  // out_of_range.406] ", which means nothing to the client.
  if (!text.empty() && text.front() == '[') {
    const std::size_t close = text.find("] ");
    if (close != std::string_view::npos)
      text.remove_prefix(close + 2);
  }
  const std::size_t colon = text.find(": ");
  if (colon != std::string_view::npos) {
    text.remove_prefix(colon + 2);
  }
  const std::size_t last_read = text.find("; last read");
  if (last_read != std::string_view::npos) {
    text = text.substr(0, last_read);
  }
  std::string out;
  for (char c : text.substr(0, 200)) {
    out.push_back(c >= 0x20 && c < 0x7F ? c : '?');
  }
  return out;
}

class identifier_scanner {
 public:
  identifier_scanner(body_schema schema, subject_list& subjects)
      : schema_(schema), subjects_(subjects) {
    frames_.reserve(8);
  }

  const std::string& error() const { return error_; }
  bool names_top_level_id() const { return names_top_level_id_; }

  // nlohmann SAX interface.
  bool null() { return on_value(nullptr, true); }
  bool boolean(bool) { return on_value(nullptr, false); }
  bool number_integer(json::number_integer_t) { return on_value(nullptr, false); }
  bool number_unsigned(json::number_unsigned_t) { return on_value(nullptr, false); }
  bool number_float(json::number_float_t, const json::string_t&) {
    return on_value(nullptr, false);
  }
  bool string(json::string_t& value) { return on_value(&value, false); }
  bool binary(json::binary_t&) { return on_value(nullptr, false); }
  bool start_object(std::size_t) { return on_start(true); }
  bool start_array(std::size_t) { return on_start(false); }
  bool end_object() { return on_end(); }
  bool end_array() { return on_end(); }
  bool key(json::string_t& name) { return on_key(name); }
  bool parse_error(std::size_t, const std::string&, const json::exception& ex) {
    return fail("request body is not valid JSON: " + describe_parse_error(ex.what()));
  }

 private:
  bool fail(std::string reason) {
    if (error_.empty()) {
      error_ = std::move(reason);
    }
    return false;
  }

  // Returns the position of the value that starts now, counting it as an array element.
  position take_position() {
    if (frames_.empty()) {
      position root;
      root.where = slot::body;
      return root;
    }
    frame& top = frames_.back();
    if (!top.is_object) {
      ++top.element_count;
    }
    return top.next;
  }

  static std::string describe(const position& at) {
    const std::string kind(kind_name(at.kind));
    switch (at.where) {
      case slot::top_level_id:
        return kind + " in the request body";
      case slot::metadata_id:
        return "metadata." + kind + " in the request body";
      case slot::filter_id:
        return kind + " in filters";
      case slot::operator_one:
      case slot::operator_list:
        return "operator '" + std::string(at.op) + "' on " + kind + " in filters";
      case slot::list_item:
        return "element of operator '" + std::string(at.op) + "' on " + kind + " in filters";
      default:
        return kind;
    }
  }

  bool add_identifier(const position& at, std::string_view id) {
    if (const char* problem = identifier_problem(id)) {
      return fail(describe(at) + " " + problem);
    }
    if (at.where == slot::top_level_id) {
      names_top_level_id_ = true;
    }
    if (!subjects_.add(at.kind, at.wildcard ? kWildcardId : id)) {
      return fail("request names more than 256 identifiers");
    }
    return true;
  }

  // Handles a scalar. `text` is set for strings only, `is_null` for JSON null only.
  bool on_value(const json::string_t* text, bool is_null) {
    const position at = take_position();
    switch (at.where) {
      case slot::ignored:
      case slot::metadata:  // Not an object: Mem0 rejects it, and it names no ids.
      case slot::filter_node:
        return true;
      case slot::body:
        return fail("request body must be a JSON object");
      case slot::filters:
        return is_null ? true : fail("filters in the request body must be a JSON object");
      case slot::top_level_id:
      case slot::metadata_id:
        if (is_null) {
          return true;  // Mem0's request models treat null as an absent id.
        }
        return text ? add_identifier(at, *text) : fail(describe(at) + " must be a string");
      case slot::filter_id:
        return text ? add_identifier(at, *text)
                    : fail(describe(at) + " must be a string or an operator object");
      case slot::operator_one:
      case slot::list_item:
        return text ? add_identifier(at, *text) : fail(describe(at) + " must be a string");
      case slot::operator_list:
        return fail(describe(at) + " must be a non-empty list of strings");
    }
    return true;
  }

  bool on_start(bool is_object) {
    if (frames_.size() >= kMaxJsonDepth) {
      return fail("request body nests objects and arrays deeper than 64 levels");
    }
    const position at = take_position();
    frame next;
    next.is_object = is_object;
    next.self = at;
    next.keys_begin = keys_.size();
    switch (at.where) {
      case slot::ignored:
        break;
      case slot::body:
        if (!is_object) {
          return fail("request body must be a JSON object");
        }
        next.role = object_role::body;
        break;
      case slot::metadata:
        next.role = is_object ? object_role::metadata : object_role::opaque;
        break;
      case slot::filters:
        if (!is_object) {
          return fail("filters in the request body must be a JSON object");
        }
        next.role = object_role::filter;
        break;
      case slot::filter_node:
        // A list inside the filters (AND, OR, NOT) contains filter objects.
        next.role = object_role::filter;
        next.next.where = slot::filter_node;
        next.next.wildcard = at.wildcard;
        break;
      case slot::filter_id:
        if (!is_object) {
          return fail(describe(at) + " must be a string or an operator object");
        }
        next.role = object_role::operators;
        break;
      case slot::operator_list:
        if (is_object) {
          return fail(describe(at) + " must be a non-empty list of strings");
        }
        next.next = at;
        next.next.where = slot::list_item;
        break;
      case slot::top_level_id:
      case slot::metadata_id:
      case slot::operator_one:
      case slot::list_item:
        return fail(describe(at) + " must be a string");
    }
    frames_.push_back(std::move(next));
    return true;
  }

  bool on_end() {
    frame& top = frames_.back();
    if (top.self.where == slot::operator_list && top.element_count == 0) {
      return fail(describe(top.self) + " must be a non-empty list of strings");
    }
    keys_.erase(keys_.begin() + static_cast<std::ptrdiff_t>(top.keys_begin), keys_.end());
    frames_.pop_back();
    return true;
  }

  // Records a key of the innermost object; returns false when it was already there.
  bool remember_key(frame& top, const std::string& name) {
    if (!top.key_index) {
      for (std::size_t i = top.keys_begin; i < keys_.size(); ++i) {
        if (keys_[i] == name) {
          return false;
        }
      }
      keys_.push_back(name);
      if (keys_.size() - top.keys_begin > kLinearKeyScanLimit) {
        top.key_index = std::make_unique<std::unordered_set<std::string_view>>();
        for (std::size_t i = top.keys_begin; i < keys_.size(); ++i) {
          top.key_index->insert(keys_[i]);
        }
      }
      return true;
    }
    // Elements of a deque keep their address when others are appended, so the views stay valid
    // until the object ends and its keys are erased.
    keys_.push_back(name);
    if (!top.key_index->insert(keys_.back()).second) {
      keys_.pop_back();
      return false;
    }
    return true;
  }

  bool on_key(const std::string& name) {
    frame& top = frames_.back();
    if (!remember_key(top, name)) {
      return fail("duplicate JSON key '" + excerpt_for_reason(name) + "'");
    }
    position next;
    identifier_kind kind = identifier_kind::user_id;
    const bool is_session_key = parse_session_kind(name, kind);
    next.kind = kind;
    switch (top.role) {
      case object_role::opaque:
        break;
      case object_role::body:
        if (is_session_key && schema_ != body_schema::update_memory) {
          next.where = slot::top_level_id;
        } else if (name == "metadata" && schema_ != body_schema::search) {
          next.where = slot::metadata;
        } else if (name == "filters" && schema_ == body_schema::search) {
          next.where = slot::filters;
        }
        break;
      case object_role::metadata:
        if (is_session_key) {
          next.where = slot::metadata_id;
        }
        break;
      case object_role::filter: {
        const bool negated = top.self.wildcard;
        if (is_session_key) {
          next.where = slot::filter_id;
          next.wildcard = negated;
        } else {
          next.where = slot::filter_node;
          next.wildcard = negated || is_not_operator(name);
        }
        break;
      }
      case object_role::operators: {
        const operator_rule* rule = find_operator(name);
        if (rule == nullptr) {
          return fail("unsupported filter operator '" + excerpt_for_reason(name) + "' on " +
                      std::string(kind_name(top.self.kind)));
        }
        next.where = rule->takes_list ? slot::operator_list : slot::operator_one;
        next.kind = top.self.kind;
        next.wildcard = top.self.wildcard || rule->matches_other_ids;
        next.op = rule->name;
        break;
      }
    }
    top.next = next;
    return true;
  }

  body_schema schema_;
  subject_list& subjects_;
  std::string error_;
  bool names_top_level_id_ = false;
  std::vector<frame> frames_;
  std::deque<std::string> keys_;  // Keys of every open object, innermost last.
};

bool is_blank(std::string_view text) {
  for (char c : text) {
    if (c != ' ' && c != '\t' && c != '\r' && c != '\n') {
      return false;
    }
  }
  return true;
}

}  // namespace

body_scan_result scan_body_identifiers(std::string_view body, body_schema schema,
                                       subject_list& subjects) {
  body_scan_result result;
  if (is_blank(body)) {
    result.error = "request body is empty; expected a JSON object";
    return result;
  }
  identifier_scanner scanner(schema, subjects);
  bool parsed = false;
  try {
    parsed = json::sax_parse(body.data(), body.data() + body.size(), &scanner);
  } catch (const std::exception&) {
    // Syntax errors arrive through scanner.parse_error, so this catches std::bad_alloc.
    result.error = "request body could not be parsed";
    return result;
  }
  if (!parsed) {
    result.error = scanner.error().empty() ? "request body is not valid JSON" : scanner.error();
    return result;
  }
  result.names_top_level_id = scanner.names_top_level_id();
  return result;
}

}  // namespace memgov::ingress::request
