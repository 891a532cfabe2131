// The PostgreSQL writer: a detached CAF actor (libpqxx blocks) that stores audit events with
// group commit. It takes every event waiting in its mailbox, up to batch_max, writes them in
// one transaction and then acknowledges each one.
#pragma once

#include <atomic>
#include <cstddef>
#include <memory>

#include <caf/atom.hpp>
#include <caf/blocking_actor.hpp>

#include "pg_session.hpp"

namespace memgov::audit {

class audit_metrics;

// Message that makes the writer store what is still queued and exit.
using stop_atom = caf::atom_constant<caf::atom("stop")>;

// State shared by the request handler (socket thread) and the writer.
struct writer_shared {
  std::atomic<bool> ready{false};      // The last statement or ping succeeded.
  std::atomic<std::size_t> queued{0};  // Events sent to the writer and not yet taken.
};

struct pg_writer_options {
  pg_session_options session;
  std::size_t batch_max = 2000;
  audit_metrics* metrics = nullptr;  // Not owned; must outlive the actor.
  std::shared_ptr<writer_shared> shared;
};

// Body of the writer actor; spawn with system.spawn<caf::detached>(run_pg_writer, options).
// It accepts (protocol::audit_event, transport::responder) messages of validated events and
// stop_atom.
void run_pg_writer(caf::blocking_actor* self, pg_writer_options options);

}  // namespace memgov::audit
