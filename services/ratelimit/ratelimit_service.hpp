// The ratelimit stage process: settings, backend, server and the SIGHUP reload loop.
#pragma once

#include "config/settings_source.hpp"

namespace memgov::ratelimit {

// Runs the stage until SIGTERM or SIGINT; returns the exit status. Throws
// config::settings_error for a bad setting (stage_main reports it).
int run_ratelimit_stage(const config::settings_source& source);

}  // namespace memgov::ratelimit
