#include "ctl/chain_rows.hpp"

#include <cstdlib>

#include "chain/record_chain.hpp"
#include "record/canonical.hpp"
#include "record/record_format.hpp"

namespace memgov::ctl {
namespace {

using audit::column_type;
using audit::record_fields;
using audit::record_kind;

// Selected before the record's own columns by every chain query.
constexpr std::size_t kSequence = 0;
constexpr std::size_t kPrevHash = 1;
constexpr std::size_t kRowHash = 2;
constexpr std::size_t kFirstField = 3;

std::string column_expression(const audit::column_spec& column) {
  std::string name = column.name;
  switch (column.type) {
    case column_type::timestamp:
      return unix_us_expression(name) + "::text";
    case column_type::text:
      return name;
    default:
      return name + "::text";
  }
}

record_kind kind_of(chain_source source) {
  return source == chain_source::outcome ? record_kind::outcome : record_kind::event;
}

std::optional<std::string> normalized(const std::optional<std::string>& value, column_type type) {
  if (!value || type != column_type::real) {
    return value;
  }
  // extra_float_digits = 3 makes PostgreSQL print every digit, so strtod recovers the double.
  return audit::format_real(std::strtod(value->c_str(), nullptr));
}

bool parse_hex(const std::string& hex, std::string& out) {
  if (hex.size() % 2 != 0) {
    return false;
  }
  out.clear();
  out.reserve(hex.size() / 2);
  for (std::size_t i = 0; i < hex.size(); i += 2) {
    char* end = nullptr;
    std::string pair = hex.substr(i, 2);
    long value = std::strtol(pair.c_str(), &end, 16);
    if (end != pair.c_str() + 2) {
      return false;
    }
    out.push_back(static_cast<char>(value));
  }
  return true;
}

}  // namespace

const char* table_of(chain_source source) {
  switch (source) {
    case chain_source::event:
      return "mem0_audit_log";
    case chain_source::outcome:
      return "mem0_audit_outcome";
    case chain_source::link:
      return "mem0_audit_chain_link";
  }
  return "";
}

std::string unix_us_expression(const std::string& timestamp) {
  return "(extract(epoch FROM date_trunc('second', " + timestamp +
         "))::bigint * 1000000 + extract(microseconds FROM " + timestamp + ")::bigint % 1000000)";
}

std::string chain_query(chain_source source, const std::string& quoted_sink_id) {
  std::string select = "SELECT sequence::text, encode(prev_hash, 'hex'), encode(row_hash, 'hex')";
  if (source == chain_source::link) {
    select += ", event_id, " + unix_us_expression("\"timestamp\"") +
              "::text, encode(canonical, 'hex'), status";
  } else {
    const auto& columns = audit::record_columns(kind_of(source));
    // Every column but sink_id and sequence, which the query fixes.
    for (std::size_t i = 0; i + 2 < columns.size(); ++i) {
      select += ", " + column_expression(columns[i]);
    }
  }
  // "t.sequence": a bare "sequence" would name the text output column and sort as text.
  return select + " FROM " + table_of(source) + " t WHERE t.sink_id = " + quoted_sink_id +
         " ORDER BY t.sequence";
}

chain_row make_chain_row(chain_source source, const std::string& sink_id,
                         const std::vector<std::optional<std::string>>& values) {
  chain_row row;
  row.source = table_of(source);
  std::string sequence_text = values.at(kSequence).value_or("0");
  row.sequence = std::strtoull(sequence_text.c_str(), nullptr, 10);
  if (!audit::parse_hex_digest(values.at(kPrevHash).value_or(""), row.prev_hash) ||
      !audit::parse_hex_digest(values.at(kRowHash).value_or(""), row.row_hash)) {
    row.problem = "prev_hash or row_hash is not 32 bytes long";
    return row;
  }
  row.event_id = values.at(kFirstField).value_or("");
  if (const auto& timestamp = values.at(kFirstField + 1)) {
    row.timestamp_us = audit::parse_integer(*timestamp);
  }

  std::string canonical;
  if (source == chain_source::link) {
    if (!parse_hex(values.at(kFirstField + 2).value_or(""), canonical)) {
      row.problem = "the link's canonical bytes are not valid hex";
      return row;
    }
    std::string error;
    auto decoded = audit::decode_canonical(canonical, error);
    if (!decoded) {
      row.problem = "the link's canonical bytes do not decode: " + error;
      return row;
    }
    if (decoded->fields[audit::sink_id_field(decoded->kind)] != sink_id ||
        decoded->fields[audit::sequence_field(decoded->kind)] != sequence_text) {
      row.problem = "the link's canonical bytes belong to another sink or sequence";
      return row;
    }
  } else {
    record_kind kind = kind_of(source);
    const auto& columns = audit::record_columns(kind);
    record_fields fields;
    for (std::size_t i = 0; i + 2 < columns.size(); ++i) {
      fields.push_back(normalized(values.at(kFirstField + i), columns[i].type));
    }
    fields.emplace_back(sink_id);
    fields.emplace_back(sequence_text);
    canonical = audit::encode_canonical(kind, fields);
  }
  row.computed_hash = audit::chain_hash(row.prev_hash, canonical);
  return row;
}

}  // namespace memgov::ctl
