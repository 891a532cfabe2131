// `memgovctl verify`: walks every sink's chain in a read-only snapshot.
#pragma once

#include "ctl/cli_args.hpp"

namespace memgov::ctl {

// Returns 0 when every chain is intact, 1 when one is broken. Throws pqxx or
// std::runtime_error when the database fails.
int run_verify(const command_line& command);

}  // namespace memgov::ctl
