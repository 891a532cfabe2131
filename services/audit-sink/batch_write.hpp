// Writes a batch of rows into mem0_audit_log in one transaction with COPY.
//
// The direct path copies straight into the table. When that fails on the event_id unique
// constraint (a replayed event), the batch is copied into the session's staging table and
// moved with INSERT ... ON CONFLICT (event_id) DO NOTHING, so a replay is stored once and
// acknowledged like a new event. When the database rejects the data itself, each row is
// retried alone so that only the bad rows fail.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "audit_row.hpp"

namespace pqxx {
class connection_base;
}

namespace memgov::audit {

enum class write_path {
  direct,        // COPY into mem0_audit_log.
  deduplicated,  // COPY into the staging table, then INSERT ... ON CONFLICT DO NOTHING.
  per_row,       // One deduplicated transaction per row, after a data error.
};

const char* to_string(write_path path);

struct row_failure {
  std::size_t index;   // Position in the batch.
  std::string reason;  // The database's error for this row.
};

struct batch_result {
  write_path path = write_path::direct;
  std::vector<row_failure> failures;  // Rows not stored; empty when all were.
};

// Writes `rows` and commits, trying the path `first` (direct or deduplicated) first. Throws a pqxx
// exception for any failure that is not about the rows themselves (connection lost, timeout,
// missing table), after which nothing of the batch is stored, except when pqxx::in_doubt_error
// reports that the commit's outcome is unknown.
batch_result write_batch(pqxx::connection_base& connection, const std::vector<audit_row>& rows,
                         write_path first = write_path::direct);

// The two paths alone, for measurements. Both commit.
void write_direct(pqxx::connection_base& connection, const std::vector<audit_row>& rows);
void write_deduplicated(pqxx::connection_base& connection, const std::vector<audit_row>& rows);

}  // namespace memgov::audit
