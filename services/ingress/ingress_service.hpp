// The ingress process: HTTP front door of the mesh, in front of Mem0.
#pragma once

#include "config/settings_source.hpp"

namespace memgov::ingress {

// Starts the stage clients, the metrics endpoint and the HTTP io threads, logs "ready", and
// serves until SIGINT or SIGTERM. Returns the process exit status.
int run_ingress(const config::settings_source& source);

}  // namespace memgov::ingress
