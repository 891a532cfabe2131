// COPY in PostgreSQL's binary format, for the drainer's direct path.
//
// Binary rows cost PostgreSQL less than text rows: it does not parse timestamps, uuids, numbers
// or hex-escaped bytea, and the sink does not format or escape them. libpqxx 6.4 sends COPY data
// only as text lines, so copy_binary() drives libpq on the transaction's connection itself.
#pragma once

#include <string>
#include <vector>

#include "storage/batch_write.hpp"

namespace pqxx {
class dbtransaction;
}

namespace memgov::audit {

// A COPY payload in binary format, built row by row.
class binary_copy_rows {
 public:
  binary_copy_rows();

  // Appends the row of `record`: its fields in record_columns() order, prev_hash and row_hash.
  // Throws pqxx::data_exception when a field does not convert to its column type, which only
  // a damaged record can cause, so that write_batch() retries record by record.
  void add(const stored_record& record);

  // Bytes ready to send. take() returns them and leaves the buffer empty. finish() appends the
  // trailer, after which add() must not be called.
  std::size_t size() const { return bytes_.size(); }
  std::string take();
  void finish();

 private:
  std::string bytes_;
};

// Copies the records of `kind` into `table` with one binary COPY inside `tx`. Returns the number
// of rows sent. Errors are thrown as the pqxx exception of their SQLSTATE (unique_violation,
// data_exception, insufficient_privilege, ...), or pqxx::broken_connection.
std::size_t copy_binary(pqxx::dbtransaction& tx, const std::string& table, record_kind kind,
                        const std::vector<stored_record>& records);

}  // namespace memgov::audit
