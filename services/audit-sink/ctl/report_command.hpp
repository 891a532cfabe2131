// `memgovctl report`: streams one report's rows through a server-side cursor into CSV.
#pragma once

#include "ctl/cli_args.hpp"

namespace memgov::ctl {

// Writes the report; returns the exit status. Throws pqxx or std::runtime_error on failure.
int run_report(const command_line& command);

}  // namespace memgov::ctl
