// Shared start-up of every stage's main(): logging, signal handling, and the
// error policy for configuration (a bad setting is fatal, with its name).
#pragma once

#include <functional>
#include <string>

#include "config/settings_source.hpp"

namespace memgov::runtime {

// Runs `body` with the process's settings. Configures the JSON logger for
// `stage` (level from `log.level` / MEMGOV_LOG_LEVEL), blocks the handled
// signals, and turns a settings_error or any other exception escaping `body`
// into one error line and exit status 2. Returns body's exit status.
int stage_main(const std::string& stage,
               const std::function<int(const config::settings_source&)>& body);

}  // namespace memgov::runtime
