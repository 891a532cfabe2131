#include "config/settings_source.hpp"

#include <cctype>
#include <cstdlib>
#include <fstream>
#include <sstream>

extern char** environ;

namespace memgov::config {
namespace {

std::string trim(const std::string& text) {
  std::size_t begin = 0;
  std::size_t end = text.size();
  while (begin < end && std::isspace(static_cast<unsigned char>(text[begin]))) {
    ++begin;
  }
  while (end > begin && std::isspace(static_cast<unsigned char>(text[end - 1]))) {
    --end;
  }
  return text.substr(begin, end - begin);
}

// Upper-cases and maps `.` and `-` to `_`, the form of environment names.
std::string to_variable_form(const std::string& text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    if (c == '.' || c == '-') {
      out.push_back('_');
    } else {
      out.push_back(static_cast<char>(std::toupper(static_cast<unsigned char>(c))));
    }
  }
  return out;
}

std::map<std::string, std::string> parse_file(const std::string& text, const std::string& origin) {
  std::map<std::string, std::string> values;
  std::istringstream lines(text);
  std::string line;
  std::string section;
  int number = 0;
  while (std::getline(lines, line)) {
    ++number;
    std::string content = trim(line);
    if (content.empty() || content[0] == '#' || content[0] == ';') {
      continue;
    }
    if (content.front() == '[') {
      if (content.back() != ']') {
        throw settings_error(origin + ":" + std::to_string(number) + ": section header '" +
                             content + "' is missing its closing ']'");
      }
      section = trim(content.substr(1, content.size() - 2));
      continue;
    }
    std::size_t equals = content.find('=');
    if (equals == std::string::npos) {
      throw settings_error(origin + ":" + std::to_string(number) +
                           ": expected 'key = value', got '" + content + "'");
    }
    std::string key = trim(content.substr(0, equals));
    std::string value = trim(content.substr(equals + 1));
    if (key.empty()) {
      throw settings_error(origin + ":" + std::to_string(number) + ": empty key");
    }
    values[section.empty() ? key : section + "." + key] = value;
  }
  return values;
}

}  // namespace

std::string settings_source::variable_for(const std::string& key) {
  return "MEMGOV_" + to_variable_form(key);
}

settings_source settings_source::from_environment() {
  std::map<std::string, std::string> environment;
  for (char** entry = environ; entry != nullptr && *entry != nullptr; ++entry) {
    std::string text(*entry);
    std::size_t equals = text.find('=');
    if (equals != std::string::npos) {
      environment[text.substr(0, equals)] = text.substr(equals + 1);
    }
  }
  std::string file_text;
  std::string origin = "<environment>";
  auto path = environment.find("MEMGOV_CONFIG");
  if (path != environment.end() && !path->second.empty()) {
    std::ifstream file(path->second);
    if (!file) {
      throw settings_error("MEMGOV_CONFIG: cannot read settings file '" + path->second + "'");
    }
    std::ostringstream content;
    content << file.rdbuf();
    file_text = content.str();
    origin = path->second;
  }
  return from_text(file_text, environment, origin);
}

settings_source settings_source::from_text(const std::string& file_text,
                                           const std::map<std::string, std::string>& environment,
                                           const std::string& origin) {
  settings_source source;
  source.file_values_ = parse_file(file_text, origin);
  source.environment_ = environment;
  source.origin_ = origin;
  return source;
}

void settings_source::add_alias(const std::string& key, const std::string& variable) {
  aliases_[key] = variable;
}

std::optional<std::string> settings_source::find(const std::string& key) const {
  if (auto own = environment_.find(variable_for(key)); own != environment_.end()) {
    return own->second;
  }
  if (auto alias = aliases_.find(key); alias != aliases_.end()) {
    if (auto value = environment_.find(alias->second); value != environment_.end()) {
      return value->second;
    }
  }
  if (auto value = file_values_.find(key); value != file_values_.end()) {
    return value->second;
  }
  return std::nullopt;
}

std::string settings_source::get_string(const std::string& key, const std::string& fallback) const {
  return find(key).value_or(fallback);
}

std::int64_t settings_source::get_int(const std::string& key, std::int64_t fallback,
                                      std::int64_t min, std::int64_t max) const {
  auto text = find(key);
  if (!text) {
    return fallback;
  }
  std::int64_t value = 0;
  std::size_t used = 0;
  try {
    value = std::stoll(*text, &used);
  } catch (const std::exception&) {
    used = 0;
  }
  if (used == 0 || used != text->size()) {
    throw settings_error(key + " (" + variable_for(key) + "): '" + *text +
                         "' is not a whole number");
  }
  if (value < min || value > max) {
    throw settings_error(key + " (" + variable_for(key) + "): " + *text + " is outside " +
                         std::to_string(min) + ".." + std::to_string(max));
  }
  return value;
}

bool settings_source::get_bool(const std::string& key, bool fallback) const {
  auto text = find(key);
  if (!text) {
    return fallback;
  }
  if (*text == "true" || *text == "1" || *text == "yes" || *text == "on") {
    return true;
  }
  if (*text == "false" || *text == "0" || *text == "no" || *text == "off") {
    return false;
  }
  throw settings_error(key + " (" + variable_for(key) + "): '" + *text +
                       "' is not a boolean (use true or false)");
}

std::map<std::string, std::string> settings_source::section(const std::string& prefix) const {
  std::map<std::string, std::string> out;
  const std::string dotted = prefix + ".";
  for (const auto& [key, value] : file_values_) {
    if (key.compare(0, dotted.size(), dotted) == 0) {
      out[key.substr(dotted.size())] = value;
    }
  }
  const std::string variable_prefix = variable_for(prefix) + "_";
  for (const auto& [name, value] : environment_) {
    if (name.compare(0, variable_prefix.size(), variable_prefix) != 0) {
      continue;
    }
    std::string rest = name.substr(variable_prefix.size());
    bool replaced = false;
    for (auto& [key, existing] : out) {
      if (to_variable_form(key) == rest) {
        existing = value;
        replaced = true;
        break;
      }
    }
    if (!replaced && !rest.empty()) {
      std::string key;
      for (char c : rest) {
        key.push_back(c == '_' ? '-'
                               : static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
      }
      out[key] = value;
    }
  }
  return out;
}

}  // namespace memgov::config
