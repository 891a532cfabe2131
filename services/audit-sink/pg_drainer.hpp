// The drainer: a detached CAF actor (libpqxx and file reads block) that copies the records of
// the write-ahead log into PostgreSQL in large batches, in log order.
//
// After each committed batch it advances its cursor. At most every checkpoint_interval, and
// whenever it finishes a segment, it stores the cursor durably and deletes the segments
// wholly before it. After a crash it resumes from the stored cursor, so the records after it
// are written again, and their unique keys turn those replays into no-ops.
#pragma once

#include <chrono>
#include <cstddef>
#include <filesystem>
#include <memory>

#include <caf/blocking_actor.hpp>

#include "sink_state.hpp"
#include "storage/pg_session.hpp"

namespace memgov::audit {

class audit_metrics;

struct pg_drainer_options {
  std::filesystem::path directory;  // The sink's log directory.
  pg_session_options session;
  std::size_t batch_max = 10000;
  std::size_t batch_bytes = 16 << 20;  // Log bytes read into one batch, about.
  // Wait after a batch that did not fill up, so that records arriving meanwhile share a
  // transaction.
  std::chrono::milliseconds drain_delay{50};
  std::chrono::milliseconds checkpoint_interval{1000};
  std::chrono::seconds partition_check_interval{3600};
  audit_metrics* metrics = nullptr;  // Not owned; must outlive the actor.
  std::shared_ptr<sink_state> state;
};

// Body of the drainer; spawn with system.spawn<caf::detached>(run_pg_drainer, options). It
// accepts wake_atom and stop_atom.
void run_pg_drainer(caf::blocking_actor* self, pg_drainer_options options);

}  // namespace memgov::audit
