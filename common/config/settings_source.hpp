// Raw settings of one process: an optional INI-style file overridden by
// environment variables.
//
// File format: `[section]` headers, `key = value` lines, `#` or `;` comments.
// Setting `section.key` is overridden by the environment variable
// MEMGOV_SECTION_KEY (upper case, `.` and `-` become `_`). A few well-known
// variables are aliases of one setting each (see add_alias()).
//
// Each service turns this into its own validated, immutable settings struct
// at start; every accessor here throws settings_error naming the setting, and
// main() reports it and exits.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace memgov::config {

class settings_error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

class settings_source {
 public:
  // Reads the file named by the environment variable MEMGOV_CONFIG, if set,
  // then takes the environment (environ) as overrides.
  static settings_source from_environment();

  // Builds a source from file text and an environment map; for tests.
  static settings_source from_text(const std::string& file_text,
                                   const std::map<std::string, std::string>& environment,
                                   const std::string& origin = "<text>");

  // Makes the environment variable `variable` an override of `key`, with a
  // lower priority than MEMGOV_<KEY>. Call before reading the key.
  void add_alias(const std::string& key, const std::string& variable);

  std::optional<std::string> find(const std::string& key) const;
  std::string get_string(const std::string& key, const std::string& fallback) const;
  std::int64_t get_int(const std::string& key, std::int64_t fallback, std::int64_t min,
                       std::int64_t max) const;
  bool get_bool(const std::string& key, bool fallback) const;

  // Returns every setting below `prefix.` (from file and environment), keyed
  // by the rest of the name. Environment names are matched without regard to
  // case and with `-` and `_` alike, so MEMGOV_RATELIMIT_ROLES_AGENT_WRITER
  // overrides `[ratelimit.roles] agent-writer`.
  std::map<std::string, std::string> section(const std::string& prefix) const;

  // Environment variable that overrides `key`.
  static std::string variable_for(const std::string& key);

 private:
  std::map<std::string, std::string> file_values_;
  std::map<std::string, std::string> environment_;
  std::map<std::string, std::string> aliases_;  // key -> variable
  std::string origin_;
};

}  // namespace memgov::config
