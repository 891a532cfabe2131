// SIGHUP reload of the rate limits. Only the limits (default, roles, tenants) change while
// the stage runs; every other setting takes effect at the next start.
#pragma once

#include <string>
#include <vector>

#include "config/settings_source.hpp"
#include "limit_table.hpp"
#include "ratelimit_metrics.hpp"
#include "ratelimit_settings.hpp"

namespace memgov::ratelimit {

enum class reload_status {
  applied,    // The new limits are in force.
  unchanged,  // The settings name the limits already in force.
  error,      // The settings are invalid; the previous limits stay in force.
};

const char* to_string(reload_status status);

struct reload_result {
  reload_status status = reload_status::error;
  std::string error;  // Why the settings were rejected, with the setting's name.
  // Settings other than the limits whose new value differs from the one the stage started
  // with; they are ignored until a restart.
  std::vector<std::string> restart_only;
};

// Validates every setting of `fresh` and, when valid, puts its limits in force by replacing
// the table in `holder`. Never throws for bad settings. `metrics` may be null (for tests).
reload_result reload_limits(const ratelimit_settings& running, const config::settings_source& fresh,
                            limits_holder& holder, ratelimit_metrics* metrics);

// Reads the MEMGOV_CONFIG file and the environment again, then calls reload_limits(). Logs
// the result and counts it in memgov_ratelimit_config_reloads_total.
reload_result reload_from_environment(const ratelimit_settings& running, limits_holder& holder,
                                      ratelimit_metrics& metrics);

}  // namespace memgov::ratelimit
