#include "request/response_records.hpp"

#include "request/identifier.hpp"
#include "request/subjects.hpp"

namespace memgov::ingress::request {
namespace {

// Reads the memory id and session ids of one record. An id that is not a non-empty string
// without NUL names nothing the registry could own, so it is left out. Scoping then decides on
// the ids that remain.
response_record read_record(const nlohmann::ordered_json& entry) {
  response_record record;
  if (!entry.is_object()) {
    return record;
  }
  auto id = entry.find("id");
  if (id != entry.end() && id->is_string()) {
    record.memory_id = id->get<std::string>();
    if (record.memory_id.find('\0') != std::string::npos) {
      record.memory_id.clear();
    }
  }
  for (identifier_kind kind :
       {identifier_kind::user_id, identifier_kind::agent_id, identifier_kind::run_id}) {
    std::string name(kind_name(kind));
    auto value = entry.find(name);
    if (value == entry.end() || !value->is_string()) {
      continue;
    }
    const auto& text = value->get_ref<const std::string&>();
    if (text.empty() || text.find('\0') != std::string::npos) {
      continue;
    }
    record.subjects.push_back({name, text, ""});
  }
  return record;
}

}  // namespace

record_list::record_list(std::string_view body) {
  document_ =
      nlohmann::ordered_json::parse(body.begin(), body.end(), nullptr, /*allow_exceptions=*/false);
  if (document_.is_discarded()) {
    error_ = "the response body is not JSON";
    return;
  }
  const nlohmann::ordered_json* results = &document_;
  if (document_.is_object()) {
    auto found = document_.find("results");
    if (found == document_.end() || !found->is_array()) {
      error_ = "the response has no \"results\" list";
      return;
    }
    results = &*found;
  } else if (!document_.is_array()) {
    error_ = "the response is neither an object nor a list";
    return;
  }
  records_.reserve(results->size());
  for (const auto& entry : *results) {
    records_.push_back(read_record(entry));
  }
}

std::string record_list::without(const std::vector<bool>& keep) const {
  nlohmann::ordered_json copy = document_;
  nlohmann::ordered_json* results = copy.is_array() ? &copy : &copy["results"];
  nlohmann::ordered_json kept = nlohmann::ordered_json::array();
  for (std::size_t i = 0; i < results->size() && i < keep.size(); ++i) {
    if (keep[i]) {
      kept.push_back(std::move((*results)[i]));
    }
  }
  *results = std::move(kept);
  return copy.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
}

memory_lookup read_memory_record(std::string_view body) {
  memory_lookup lookup;
  auto document =
      nlohmann::ordered_json::parse(body.begin(), body.end(), nullptr, /*allow_exceptions=*/false);
  if (document.is_null()) {
    return lookup;
  }
  if (!document.is_object()) {
    lookup.error = "the memory record is neither an object nor null";
    return lookup;
  }
  lookup.found = true;
  lookup.record = read_record(document);
  return lookup;
}

}  // namespace memgov::ingress::request
