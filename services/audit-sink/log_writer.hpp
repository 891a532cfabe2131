// The log writer: a detached CAF actor (its file I/O blocks) that makes records durable in the
// write-ahead log with group commit. It takes every request waiting in its mailbox (up to
// group_max), links each record onto the sink's hash chain, writes them with one write and one
// fdatasync, and only then acknowledges them with durable=true.
#pragma once

#include <cstddef>
#include <memory>

#include <caf/actor.hpp>
#include <caf/blocking_actor.hpp>

#include "sink_state.hpp"
#include "wal/wal_log.hpp"

namespace memgov::audit {

class audit_metrics;

struct log_writer_options {
  std::shared_ptr<wal_log> log;
  std::size_t group_max = 10000;
  audit_metrics* metrics = nullptr;  // Not owned; must outlive the actor.
  std::shared_ptr<sink_state> state;
  caf::actor drainer;  // Woken when new records are durable.
};

// Body of the writer; spawn with system.spawn<caf::detached>(run_log_writer, options). It
// accepts log_request and stop_atom.
void run_log_writer(caf::blocking_actor* self, log_writer_options options);

}  // namespace memgov::audit
