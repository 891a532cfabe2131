#include "storage/binary_copy.hpp"

#include <libpq-fe.h>

#include <charconv>
#include <cstdint>
#include <cstring>
#include <limits>
#include <memory>
#include <optional>

#include <pqxx/except>
#include <pqxx/largeobject>
#include <pqxx/transaction_base>

#include "record/canonical.hpp"
#include "record/record_format.hpp"
#include "text/hex_digit.hpp"

namespace memgov::audit {
namespace {

using memgov::text::hex_digit_value;

// Rows are sent in blocks of about this size, as the text path does.
constexpr std::size_t kBlockBytes = 1 << 20;

// Microseconds from the Unix epoch to PostgreSQL's, 2000-01-01 00:00 UTC.
constexpr std::int64_t kPostgresEpochUnixUs = 946'684'800'000'000;

// The 11-byte signature, 32-bit flags and 32-bit header extension length of the format.
constexpr char kHeader[] = "PGCOPY\n\377\r\n\0\0\0\0\0\0\0\0\0";
constexpr std::size_t kHeaderBytes = 19;

// libpqxx 6.4 keeps the PGconn of a connection private but passes it to large objects, whose
// accessor is protected. NOTE: this relies on libpqxx 6 internals. A libpq connection owned by
// the drainer would remove the dependency.
class connection_access : public pqxx::largeobject {
 public:
  static PGconn* of(const pqxx::dbtransaction& tx) { return largeobject::raw_connection(tx); }
};

void append_be(std::string& out, std::uint64_t value, int bytes) {
  for (int shift = (bytes - 1) * 8; shift >= 0; shift -= 8) {
    out.push_back(static_cast<char>((value >> shift) & 0xFF));
  }
}

void append_length(std::string& out, std::size_t length) {
  append_be(out, static_cast<std::uint32_t>(length), 4);
}

[[noreturn]] void damaged(const char* column, std::string_view field) {
  throw pqxx::data_exception("audit record field " + std::string(column) + " is not a valid " +
                             "value for its column: '" + std::string(field) + "'");
}

void append_uuid(std::string& out, const char* column, std::string_view text) {
  if (text.size() != 36) {
    damaged(column, text);
  }
  append_length(out, 16);
  int high = -1;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (i == 8 || i == 13 || i == 18 || i == 23) {
      if (text[i] != '-') {
        damaged(column, text);
      }
      continue;
    }
    int value = hex_digit_value(text[i]);
    if (value < 0) {
      damaged(column, text);
    }
    if (high < 0) {
      high = value;
    } else {
      out.push_back(static_cast<char>((high << 4) | value));
      high = -1;
    }
  }
}

std::int64_t integer_of(const char* column, std::string_view text) {
  std::optional<std::int64_t> value = parse_integer(text);
  if (!value) {
    damaged(column, text);
  }
  return *value;
}

void append_field(std::string& out, const column_spec& column, std::string_view field) {
  switch (column.type) {
    case column_type::text:
      append_length(out, field.size());
      out.append(field);
      return;
    case column_type::uuid:
      append_uuid(out, column.name, field);
      return;
    case column_type::integer: {
      std::int64_t value = integer_of(column.name, field);
      if (value < std::numeric_limits<std::int32_t>::min() ||
          value > std::numeric_limits<std::int32_t>::max()) {
        damaged(column.name, field);
      }
      append_length(out, 4);
      append_be(out, static_cast<std::uint32_t>(static_cast<std::int32_t>(value)), 4);
      return;
    }
    case column_type::bigint:
      append_length(out, 8);
      append_be(out, static_cast<std::uint64_t>(integer_of(column.name, field)), 8);
      return;
    case column_type::timestamp:
      append_length(out, 8);
      append_be(out,
                static_cast<std::uint64_t>(integer_of(column.name, field) - kPostgresEpochUnixUs),
                8);
      return;
    case column_type::real: {
      double value = 0;
      auto [end, error] = std::from_chars(field.data(), field.data() + field.size(), value);
      if (error != std::errc() || end != field.data() + field.size()) {
        damaged(column.name, field);
      }
      std::uint64_t bits = 0;
      std::memcpy(&bits, &value, sizeof bits);
      append_length(out, 8);
      append_be(out, bits, 8);
      return;
    }
  }
}

void append_bytes(std::string& out, std::string_view bytes) {
  append_length(out, bytes.size());
  out.append(bytes);
}

// Throws the pqxx exception for the SQLSTATE of `result` (or of the connection, without one).
[[noreturn]] void throw_error(PGconn* connection, const PGresult* result,
                              const std::string& query) {
  const char* state = result != nullptr ? PQresultErrorField(result, PG_DIAG_SQLSTATE) : nullptr;
  std::string message =
      result != nullptr ? PQresultErrorMessage(result) : PQerrorMessage(connection);
  if (state == nullptr || PQstatus(connection) == CONNECTION_BAD) {
    if (PQstatus(connection) == CONNECTION_BAD) {
      throw pqxx::broken_connection(message);
    }
    throw pqxx::sql_error(message, query);
  }
  std::string_view code(state);
  if (code == "23505") {
    throw pqxx::unique_violation(message, query, state);
  }
  if (code.substr(0, 2) == "23") {
    throw pqxx::integrity_constraint_violation(message, query, state);
  }
  if (code.substr(0, 2) == "22") {
    throw pqxx::data_exception(message, query, state);
  }
  if (code == "42501") {
    throw pqxx::insufficient_privilege(message, query, state);
  }
  if (code.substr(0, 2) == "08") {
    throw pqxx::broken_connection(message);
  }
  throw pqxx::sql_error(message, query, state);
}

void put(PGconn* connection, const std::string& block, const std::string& query) {
  if (PQputCopyData(connection, block.data(), static_cast<int>(block.size())) != 1) {
    throw_error(connection, nullptr, query);
  }
}

// Reads every remaining result of the COPY, so the connection is idle again for libpqxx, and
// throws the first error among them.
void finish_results(PGconn* connection, const std::string& query) {
  PGresult* failed = nullptr;
  while (PGresult* result = PQgetResult(connection)) {
    if (PQresultStatus(result) != PGRES_COMMAND_OK && failed == nullptr) {
      failed = result;
    } else {
      PQclear(result);
    }
  }
  if (failed != nullptr) {
    std::unique_ptr<PGresult, decltype(&PQclear)> owned(failed, &PQclear);
    throw_error(connection, failed, query);
  }
  if (PQstatus(connection) == CONNECTION_BAD) {
    throw_error(connection, nullptr, query);
  }
}

}  // namespace

binary_copy_rows::binary_copy_rows() {
  bytes_.reserve(kBlockBytes + 4096);
  bytes_.append(kHeader, kHeaderBytes);
}

void binary_copy_rows::add(const stored_record& record) {
  const std::vector<column_spec>& columns = record_columns(record.kind);
  append_be(bytes_, static_cast<std::uint16_t>(columns.size() + 2), 2);
  canonical_reader reader(record.canonical);
  std::optional<std::string_view> field;
  for (const column_spec& column : columns) {
    // The drainer checked the bytes, so every column has a field; a missing one is NULL.
    if (!reader.next(field) || !field) {
      append_be(bytes_, 0xFFFFFFFFu, 4);
      continue;
    }
    append_field(bytes_, column, *field);
  }
  append_bytes(bytes_, as_bytes(record.prev_hash));
  append_bytes(bytes_, as_bytes(record.row_hash));
}

std::string binary_copy_rows::take() {
  std::string block;
  block.reserve(kBlockBytes + 4096);
  block.swap(bytes_);
  return block;
}

void binary_copy_rows::finish() {
  append_be(bytes_, 0xFFFF, 2);
}

std::size_t copy_binary(pqxx::dbtransaction& tx, const std::string& table, record_kind kind,
                        const std::vector<stored_record>& records) {
  PGconn* connection = connection_access::of(tx);
  std::string query =
      "COPY " + table + " (" + copy_column_list(kind) + ") FROM STDIN (FORMAT binary)";
  {
    std::unique_ptr<PGresult, decltype(&PQclear)> started(PQexec(connection, query.c_str()),
                                                          &PQclear);
    if (!started || PQresultStatus(started.get()) != PGRES_COPY_IN) {
      throw_error(connection, started.get(), query);
    }
  }

  std::size_t copied = 0;
  binary_copy_rows rows;
  try {
    for (const stored_record& record : records) {
      if (record.kind != kind) {
        continue;
      }
      rows.add(record);
      ++copied;
      if (rows.size() >= kBlockBytes) {
        put(connection, rows.take(), query);
      }
    }
  } catch (const pqxx::data_exception& e) {
    // End the COPY so the connection can roll the transaction back.
    PQputCopyEnd(connection, e.what());
    try {
      finish_results(connection, query);
    } catch (const pqxx::failure&) {
      // The server reports the cancelled COPY; the record's own error is the one to raise.
    }
    throw;
  }
  rows.finish();
  put(connection, rows.take(), query);
  if (PQputCopyEnd(connection, nullptr) != 1) {
    throw_error(connection, nullptr, query);
  }
  finish_results(connection, query);
  return copied;
}

}  // namespace memgov::audit
