#include "request/response_ids.hpp"

#include <exception>

#include <nlohmann/json.hpp>

#include "request/identifier.hpp"

namespace memgov::ingress::request {
namespace {

bool equals_ignoring_case(std::string_view a, std::string_view upper) {
  if (a.size() != upper.size()) {
    return false;
  }
  for (std::size_t i = 0; i < a.size(); ++i) {
    char c = a[i];
    if (c >= 'a' && c <= 'z') {
      c = static_cast<char>(c - 'a' + 'A');
    }
    if (c != upper[i]) {
      return false;
    }
  }
  return true;
}

bool parse_event(std::string_view name, memory_event_kind& kind) {
  for (auto candidate :
       {memory_event_kind::add, memory_event_kind::update, memory_event_kind::remove}) {
    if (equals_ignoring_case(name, memory_event_name(candidate))) {
      kind = candidate;
      return true;
    }
  }
  return false;
}

void collect_events(const nlohmann::json& results, std::vector<memory_event>& events) {
  for (const auto& entry : results) {
    if (!entry.is_object()) {
      continue;
    }
    const auto id = entry.find("id");
    const auto event = entry.find("event");
    if (id == entry.end() || event == entry.end() || !id->is_string() || !event->is_string()) {
      continue;
    }
    memory_event_kind kind = memory_event_kind::add;
    if (!parse_event(event->get_ref<const std::string&>(), kind)) {
      continue;
    }
    const auto& id_text = id->get_ref<const std::string&>();
    if (identifier_problem(id_text) != nullptr || id_text == kWildcardId) {
      continue;
    }
    events.push_back(memory_event{id_text, kind});
  }
}

}  // namespace

std::string_view memory_event_name(memory_event_kind kind) {
  switch (kind) {
    case memory_event_kind::add:
      return "ADD";
    case memory_event_kind::update:
      return "UPDATE";
    case memory_event_kind::remove:
      return "DELETE";
  }
  return "ADD";
}

std::vector<memory_event> extract_memory_events(std::string_view response_body) noexcept {
  std::vector<memory_event> events;
  try {
    const auto document = nlohmann::json::parse(response_body.begin(), response_body.end(), nullptr,
                                                /*allow_exceptions=*/false);
    if (document.is_array()) {
      collect_events(document, events);
    } else if (document.is_object()) {
      const auto results = document.find("results");
      if (results != document.end() && results->is_array()) {
        collect_events(*results, events);
      }
    }
  } catch (const std::exception&) {
    // Only std::bad_alloc can reach here; the events collected so far are still valid.
  }
  return events;
}

}  // namespace memgov::ingress::request
