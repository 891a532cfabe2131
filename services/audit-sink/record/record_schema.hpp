// The two kinds of record the sink stores and the columns of their tables.
//
// A record's fields are kept as text in column order from the request handler to PostgreSQL:
// the same values feed the chain hash, the write-ahead log and the COPY rows, so a replay
// stores exactly what was hashed.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace memgov::audit {

enum class record_kind : std::uint8_t {
  event = 1,    // protocol::audit_event, a row of mem0_audit_log.
  outcome = 2,  // protocol::audit_outcome, a row of mem0_audit_outcome.
};

// How a field's text is written. Every type but timestamp is stored as the text PostgreSQL
// reads for that column type.
enum class column_type {
  text,
  uuid,       // Lower-case 8-4-4-4-12 form.
  integer,    // Decimal, a 32-bit integer column.
  bigint,     // Decimal, a 64-bit integer column.
  real,       // "%.17g", which PostgreSQL parses back to the same double.
  timestamp,  // Decimal microseconds since the Unix epoch; COPY gets an ISO 8601 text.
};

struct column_spec {
  const char* name;  // SQL identifier, quoted where it is a keyword ("timestamp").
  column_type type;
};

// Field values in record_columns() order; nullopt is SQL NULL.
using record_fields = std::vector<std::optional<std::string>>;

// Every column whose value the chain hash covers, in table order. The last two are sink_id and
// sequence, which the log writer fills in; the request handler formats the others.
const std::vector<column_spec>& record_columns(record_kind kind);

// Number of fields the request handler formats: record_columns(kind).size() - 2.
std::size_t formatted_field_count(record_kind kind);

// Table a record kind is stored in.
const char* table_name(record_kind kind);

// "event" or "outcome", for logs, metric labels and mem0_audit_chain_link.record_kind.
const char* to_string(record_kind kind);

std::optional<record_kind> parse_record_kind(std::string_view name);

// Positions of the fields every kind has.
inline constexpr std::size_t kEventIdField = 0;
inline constexpr std::size_t kTimestampField = 1;
std::size_t sink_id_field(record_kind kind);
std::size_t sequence_field(record_kind kind);

// The columns a COPY writes: record_columns() followed by prev_hash and row_hash.
std::string copy_column_list(record_kind kind);

}  // namespace memgov::audit
