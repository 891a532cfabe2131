#include "batch_write.hpp"

#include <tuple>
#include <utility>

#include <pqxx/pqxx>
#include <pqxx/stream_to>

#include "pg_session.hpp"

namespace memgov::audit {
namespace {

const char* field_pointer(const std::optional<std::string>& field) {
  return field ? field->c_str() : nullptr;
}

// stream_to writes a null const char* as \N, so a row of pointers carries the NULLs.
template <std::size_t... I>
auto as_pointer_tuple(const audit_row& row, std::index_sequence<I...>) {
  return std::make_tuple(field_pointer(row[I])...);
}

template <class Rows>
void copy_rows(pqxx::transaction_base& tx, const std::string& table, const Rows& rows) {
  pqxx::stream_to stream(tx, table, audit_columns());
  for (const audit_row& row : rows) {
    stream << as_pointer_tuple(row, std::make_index_sequence<kAuditColumnCount>{});
  }
  stream.complete();
}

template <class Rows>
void copy_deduplicated(pqxx::connection_base& connection, const Rows& rows) {
  pqxx::work tx(connection, "memgov_audit_deduplicated");
  copy_rows(tx, kStagingTable, rows);
  tx.exec("INSERT INTO mem0_audit_log (" + audit_column_list() + ") SELECT " + audit_column_list() +
          " FROM " + kStagingTable + " ON CONFLICT (event_id) DO NOTHING");
  tx.commit();
}

std::vector<row_failure> write_each_row(pqxx::connection_base& connection,
                                        const std::vector<audit_row>& rows) {
  std::vector<row_failure> failures;
  for (std::size_t i = 0; i < rows.size(); ++i) {
    try {
      copy_deduplicated(connection, std::vector<audit_row>{rows[i]});
    } catch (const pqxx::data_exception& e) {
      failures.push_back({i, first_line(e.what())});
    } catch (const pqxx::integrity_constraint_violation& e) {
      failures.push_back({i, first_line(e.what())});
    }
  }
  return failures;
}

enum class attempt_outcome { stored, duplicate, bad_data };

// Runs one write and classifies errors about the rows themselves. Any other error propagates.
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

void write_direct(pqxx::connection_base& connection, const std::vector<audit_row>& rows) {
  pqxx::work tx(connection, "memgov_audit_direct");
  copy_rows(tx, "mem0_audit_log", rows);
  tx.commit();
}

void write_deduplicated(pqxx::connection_base& connection, const std::vector<audit_row>& rows) {
  copy_deduplicated(connection, rows);
}

batch_result write_batch(pqxx::connection_base& connection, const std::vector<audit_row>& rows,
                         write_path first) {
  batch_result result;
  result.path = first;
  if (result.path == write_path::direct) {
    attempt_outcome outcome = attempt([&] { write_direct(connection, rows); });
    if (outcome == attempt_outcome::stored) {
      return result;
    }
    // A replayed event_id needs the deduplicating path; bad data needs row by row.
    result.path =
        outcome == attempt_outcome::duplicate ? write_path::deduplicated : write_path::per_row;
  }
  if (result.path == write_path::deduplicated) {
    attempt_outcome outcome = attempt([&] { write_deduplicated(connection, rows); });
    if (outcome == attempt_outcome::stored) {
      return result;
    }
    result.path = write_path::per_row;
  }
  result.failures = write_each_row(connection, rows);
  return result;
}

}  // namespace memgov::audit
