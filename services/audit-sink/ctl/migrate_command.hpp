// `memgovctl migrate`: creates or upgrades the audit schema, for deployments where the sink's
// own role may not run DDL.
#pragma once

#include "ctl/cli_args.hpp"

namespace memgov::ctl {

int run_migrate(const command_line& command);

}  // namespace memgov::ctl
