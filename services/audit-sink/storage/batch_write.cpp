#include "storage/batch_write.hpp"

#include <pqxx/pqxx>
#include <pqxx/tablewriter>

#include "record/canonical.hpp"
#include "record/record_format.hpp"
#include "storage/binary_copy.hpp"
#include "storage/partitions.hpp"
#include "storage/pg_session.hpp"

namespace memgov::audit {
namespace {

constexpr std::size_t kCopyBlockBytes = 1 << 20;
const record_kind kKinds[] = {record_kind::event, record_kind::outcome};

std::string staging_table(record_kind kind) {
  return std::string("memgov_audit_staging_") + to_string(kind);
}

std::vector<std::string> copy_columns(record_kind kind, bool with_canonical) {
  std::vector<std::string> columns;
  for (const column_spec& column : record_columns(kind)) {
    columns.emplace_back(column.name);
  }
  columns.emplace_back("prev_hash");
  columns.emplace_back("row_hash");
  if (with_canonical) {
    columns.emplace_back("canonical");
  }
  return columns;
}

// Streams the records of `kind` into `table` with COPY, in blocks of about a megabyte: COPY
// data is a byte stream, so one block may carry many lines.
template <class Records>
std::size_t copy_kind(pqxx::transaction_base& tx, const std::string& table, record_kind kind,
                      const Records& records, bool with_canonical) {
  std::size_t copied = 0;
  std::vector<std::string> columns = copy_columns(kind, with_canonical);
  // TODO: tablewriter is deprecated in libpqxx 6.4. Its write_raw_line() is the only public
  // way there to send pre-escaped COPY text in large blocks, since stream_to escapes each
  // field again. libpqxx 7's stream_to::write_raw_line() would remove the need.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
  pqxx::tablewriter writer(tx, table, columns.begin(), columns.end());
#pragma GCC diagnostic pop
  std::string block;
  block.reserve(kCopyBlockBytes + 4096);
  for (const stored_record& record : records) {
    if (record.kind != kind) {
      continue;
    }
    if (!block.empty()) {
      block.push_back('\n');
    }
    append_copy_line(block, record, with_canonical);
    ++copied;
    if (block.size() >= kCopyBlockBytes) {
      writer.write_raw_line(block);
      block.clear();
    }
  }
  if (!block.empty()) {
    writer.write_raw_line(block);
  }
  writer.complete();
  return copied;
}

// The month partition when every record of `kind` falls in one month, else the parent table.
// COPY into the partition skips PostgreSQL's per-row partition routing, which cost a tenth to
// a fifth of the COPY on PostgreSQL 15 (see docs/benchmarks.md). The caller has
// created the partitions of the batch's months.
std::string copy_target(record_kind kind, const std::vector<stored_record>& records) {
  std::optional<partition_month> month;
  for (const stored_record& record : records) {
    if (record.kind != kind) {
      continue;
    }
    std::optional<std::int64_t> unix_us = record_timestamp_us(record);
    if (!unix_us || (month && !(month_of(*unix_us) == *month))) {
      return table_name(kind);
    }
    month = month_of(*unix_us);
  }
  return month ? month->partition_name(table_name(kind)) : std::string(table_name(kind));
}

bool has_kind(const std::vector<stored_record>& records, record_kind kind) {
  for (const stored_record& record : records) {
    if (record.kind == kind) {
      return true;
    }
  }
  return false;
}

std::string column_list(record_kind kind) {
  return copy_column_list(kind);
}

std::string insert_from_staging(record_kind kind) {
  std::string columns = column_list(kind);
  return std::string("INSERT INTO ") + table_name(kind) + " (" + columns + ") SELECT " + columns +
         " FROM " + staging_table(kind) + " ON CONFLICT (event_id, \"timestamp\") DO NOTHING";
}

// Links the staged records whose key is stored under another sink or sequence. Runs after
// insert_from_staging() in the same transaction, so its join reads the rows that statement
// stored.
std::string link_duplicates(record_kind kind) {
  return std::string(
             "INSERT INTO mem0_audit_chain_link (sink_id, sequence, record_kind, event_id, "
             "\"timestamp\", status, detail, canonical, prev_hash, row_hash) "
             "SELECT s.sink_id, s.sequence, '") +
         to_string(kind) +
         "', s.event_id::text, s.\"timestamp\", 'duplicate', "
         "'event_id and timestamp already stored by sink ' || t.sink_id || ' at sequence ' || "
         "t.sequence, s.canonical, s.prev_hash, s.row_hash FROM " +
         staging_table(kind) + " s JOIN " + table_name(kind) +
         " t ON t.event_id = s.event_id AND t.\"timestamp\" = s.\"timestamp\" "
         "WHERE t.sink_id <> s.sink_id OR t.sequence <> s.sequence "
         "ON CONFLICT (sink_id, sequence) DO NOTHING";
}

template <class Records>
std::size_t copy_deduplicated(pqxx::connection_base& connection, const Records& records) {
  pqxx::work tx(connection, "memgov_audit_deduplicated");
  std::size_t duplicates = 0;
  for (record_kind kind : kKinds) {
    if (!has_kind(records, kind)) {
      continue;
    }
    copy_kind(tx, staging_table(kind), kind, records, true);
    tx.exec(insert_from_staging(kind));
    duplicates += tx.exec(link_duplicates(kind)).affected_rows();
  }
  tx.commit();
  return duplicates;
}

std::string hex_of(std::string_view bytes) {
  static const char digits[] = "0123456789abcdef";
  std::string hex;
  hex.reserve(bytes.size() * 2);
  for (char c : bytes) {
    auto byte = static_cast<unsigned char>(c);
    hex.push_back(digits[byte >> 4]);
    hex.push_back(digits[byte & 0x0F]);
  }
  return hex;
}

std::string quoted_or_null(pqxx::transaction_base& tx, std::optional<std::string_view> value) {
  return value ? tx.quote(std::string(*value)) : std::string("NULL");
}

// Stores a record the database rejected as a 'rejected' link, with the error as detail.
void link_rejected(pqxx::connection_base& connection, const stored_record& record,
                   const std::string& reason) {
  pqxx::work tx(connection, "memgov_audit_rejected");
  std::optional<std::string> timestamp;
  if (auto unix_us = record_timestamp_us(record)) {
    timestamp = format_timestamp(*unix_us);
  }
  tx.exec(
      "INSERT INTO mem0_audit_chain_link (sink_id, sequence, record_kind, event_id, "
      "\"timestamp\", status, detail, canonical, prev_hash, row_hash) VALUES (" +
      quoted_or_null(tx, record_field(record, sink_id_field(record.kind))) + ", " +
      quoted_or_null(tx, record_field(record, sequence_field(record.kind))) + "::bigint, " +
      tx.quote(to_string(record.kind)) + ", " +
      quoted_or_null(tx, record_field(record, kEventIdField)) + ", " +
      quoted_or_null(tx, timestamp ? std::optional<std::string_view>(*timestamp) : std::nullopt) +
      "::timestamptz, 'rejected', " + tx.quote(reason) + ", decode(" +
      tx.quote(hex_of(record.canonical)) + ", 'hex'), decode(" +
      tx.quote(hex_of(as_bytes(record.prev_hash))) + ", 'hex'), decode(" +
      tx.quote(hex_of(as_bytes(record.row_hash))) + ", 'hex')) " +
      "ON CONFLICT (sink_id, sequence) DO NOTHING");
  tx.commit();
}

batch_result write_each_record(pqxx::connection_base& connection,
                               const std::vector<stored_record>& records) {
  batch_result result;
  result.path = write_path::per_row;
  for (std::size_t i = 0; i < records.size(); ++i) {
    std::string reason;
    try {
      result.duplicates += copy_deduplicated(connection, std::vector<stored_record>{records[i]});
      continue;
    } catch (const pqxx::data_exception& e) {
      reason = first_line(e.what());
    } catch (const pqxx::integrity_constraint_violation& e) {
      reason = first_line(e.what());
    }
    link_rejected(connection, records[i], reason);
    result.rejected.push_back({i, reason});
  }
  return result;
}

enum class attempt_outcome { stored, duplicate, bad_data };

// Runs one write and classifies errors about the records themselves. Any other error
// propagates.
template <class Write>
attempt_outcome attempt(Write write) {
  try {
    write();
    return attempt_outcome::stored;
  } catch (const pqxx::unique_violation&) {
    return attempt_outcome::duplicate;
  } catch (const pqxx::data_exception&) {
    return attempt_outcome::bad_data;
  } catch (const pqxx::integrity_constraint_violation&) {
    return attempt_outcome::bad_data;
  }
}

}  // namespace

const char* to_string(write_path path) {
  switch (path) {
    case write_path::direct:
      return "direct";
    case write_path::deduplicated:
      return "deduplicated";
    case write_path::per_row:
      return "per_row";
  }
  return "unknown";
}

std::optional<std::string_view> record_field(const stored_record& record, std::size_t index) {
  return canonical_field(record.canonical, index);
}

std::optional<std::int64_t> record_timestamp_us(const stored_record& record) {
  std::optional<std::string_view> field = record_field(record, kTimestampField);
  return field ? parse_integer(*field) : std::nullopt;
}

std::optional<std::uint64_t> record_sequence(const stored_record& record) {
  std::optional<std::string_view> field = record_field(record, sequence_field(record.kind));
  std::optional<std::int64_t> value = field ? parse_integer(*field) : std::nullopt;
  if (!value || *value < 0) {
    return std::nullopt;
  }
  return static_cast<std::uint64_t>(*value);
}

void append_copy_line(std::string& out, const stored_record& record, bool with_canonical) {
  const std::vector<column_spec>& columns = record_columns(record.kind);
  canonical_reader reader(record.canonical);
  std::optional<std::string_view> field;
  for (const column_spec& column : columns) {
    // The drainer checked the bytes, so every column has a field; a missing one is NULL.
    if (!reader.next(field)) {
      field.reset();
    }
    append_copy_field(out, field, column.type);
    out.push_back('\t');
  }
  append_copy_bytea(out, as_bytes(record.prev_hash));
  out.push_back('\t');
  append_copy_bytea(out, as_bytes(record.row_hash));
  if (with_canonical) {
    out.push_back('\t');
    append_copy_bytea(out, record.canonical);
  }
}

void create_staging_tables(pqxx::connection_base& connection) {
  pqxx::nontransaction tx(connection);
  for (record_kind kind : kKinds) {
    // ON COMMIT DELETE ROWS empties the table at every commit, so no rows remain between
    // batches.
    tx.exec("CREATE TEMP TABLE IF NOT EXISTS " + staging_table(kind) +
            " ON COMMIT DELETE ROWS AS SELECT " + column_list(kind) +
            ", NULL::bytea AS canonical FROM " + table_name(kind) + " WITH NO DATA");
  }
}

void write_direct(pqxx::connection_base& connection, const std::vector<stored_record>& records,
                  bool into_partitions) {
  pqxx::work tx(connection, "memgov_audit_direct");
  for (record_kind kind : kKinds) {
    if (has_kind(records, kind)) {
      std::string table = into_partitions ? copy_target(kind, records) : table_name(kind);
      copy_binary(tx, table, kind, records);
    }
  }
  tx.commit();
}

std::size_t write_deduplicated(pqxx::connection_base& connection,
                               const std::vector<stored_record>& records) {
  return copy_deduplicated(connection, records);
}

batch_result write_batch(pqxx::connection_base& connection,
                         const std::vector<stored_record>& records, write_path first,
                         bool into_partitions) {
  batch_result result;
  result.path = first;
  if (result.path == write_path::direct) {
    attempt_outcome outcome;
    try {
      outcome = attempt([&] { write_direct(connection, records, into_partitions); });
    } catch (const pqxx::insufficient_privilege&) {
      if (!into_partitions) {
        throw;
      }
      result.partition_copy_denied = true;
      outcome = attempt([&] { write_direct(connection, records, false); });
    }
    if (outcome == attempt_outcome::stored) {
      return result;
    }
    // A replayed key needs the deduplicating path; bad data needs record by record.
    result.path =
        outcome == attempt_outcome::duplicate ? write_path::deduplicated : write_path::per_row;
  }
  if (result.path == write_path::deduplicated) {
    attempt_outcome outcome =
        attempt([&] { result.duplicates = write_deduplicated(connection, records); });
    if (outcome == attempt_outcome::stored) {
      return result;
    }
    result.path = write_path::per_row;
  }
  return write_each_record(connection, records);
}

}  // namespace memgov::audit
