// Writes a batch of log records into the audit tables in one transaction with COPY.
//
// The direct path copies straight into mem0_audit_log and mem0_audit_outcome (into the month's
// partition when the whole batch falls in one month). When that fails
// on a unique key (a replay after a crash, or the same event sent to two sinks), the batch is
// copied into the session's staging tables and moved with INSERT ... ON CONFLICT DO NOTHING;
// a record whose key another sink or sequence already stored becomes a 'duplicate' row of
// mem0_audit_chain_link, so its sink's chain stays complete. When the database rejects the
// data itself, each record is retried alone and the rejected ones become 'rejected' links.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "chain/sha256.hpp"
#include "record/record_schema.hpp"

namespace pqxx {
class connection_base;
}

namespace memgov::audit {

// One log record to store.
struct stored_record {
  record_kind kind = record_kind::event;
  // Well-formed canonical bytes (see check_canonical()) with every record_columns(kind) field.
  std::string canonical;
  sha256_digest prev_hash{};
  sha256_digest row_hash{};
};

// Field `index` of the record; nullopt for NULL.
std::optional<std::string_view> record_field(const stored_record& record, std::size_t index);
std::optional<std::int64_t> record_timestamp_us(const stored_record& record);
std::optional<std::uint64_t> record_sequence(const stored_record& record);

enum class write_path {
  direct,        // COPY into the tables.
  deduplicated,  // COPY into the staging tables, then INSERT ... ON CONFLICT DO NOTHING.
  per_row,       // One deduplicated transaction per record, after a data error.
};

const char* to_string(write_path path);

struct row_failure {
  std::size_t index;   // Position in the batch.
  std::string reason;  // The database's error for this record.
};

struct batch_result {
  write_path path = write_path::direct;
  // The role may not write the partition directly (it has privileges on the parent table
  // only), so the batch went through the parent; pass into_partitions = false from now on.
  bool partition_copy_denied = false;
  std::size_t duplicates = 0;         // Records stored as 'duplicate' links.
  std::vector<row_failure> rejected;  // Records stored as 'rejected' links.
};

// Creates the session's temporary staging tables; call once per connection, after the
// migration.
void create_staging_tables(pqxx::connection_base& connection);

// Writes `records` and commits, trying the path `first` (direct or deduplicated) first. The
// partitions of the records' months must exist (see ensure_partitions()).
// Throws a pqxx exception for any failure that is not about the records themselves
// (connection lost, timeout, missing table), after which nothing of the batch is stored,
// except when pqxx::in_doubt_error reports that the commit's outcome is unknown. A retry of
// the batch stores no record twice, because the unique key and the chain links absorb the
// records already stored.
// `into_partitions` lets the direct path COPY into the month's partition (see
// batch_result::partition_copy_denied).
batch_result write_batch(pqxx::connection_base& connection,
                         const std::vector<stored_record>& records,
                         write_path first = write_path::direct, bool into_partitions = true);

// The two paths alone, for measurements. Both commit; write_deduplicated returns the number
// of duplicates.
void write_direct(pqxx::connection_base& connection, const std::vector<stored_record>& records,
                  bool into_partitions = true);
std::size_t write_deduplicated(pqxx::connection_base& connection,
                               const std::vector<stored_record>& records);

// Appends one COPY text line (no newline) for `record`: its fields, prev_hash and row_hash,
// and its canonical bytes when `with_canonical`.
void append_copy_line(std::string& out, const stored_record& record, bool with_canonical);

}  // namespace memgov::audit
