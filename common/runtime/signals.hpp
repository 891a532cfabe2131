// Process signals of a stage: SIGINT and SIGTERM stop it, SIGHUP asks it to
// reload what it can reload.
#pragma once

namespace memgov::runtime {

// Blocks SIGINT, SIGTERM and SIGHUP in the calling thread and in every thread
// it starts later. Call first thing in main(), before any thread exists.
void block_signals();

// Waits for one of the blocked signals and returns its number. SIGHUP
// returns too, so the caller can reload and wait again.
int wait_for_signal();

}  // namespace memgov::runtime
