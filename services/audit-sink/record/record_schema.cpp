#include "record/record_schema.hpp"

namespace memgov::audit {

const std::vector<column_spec>& record_columns(record_kind kind) {
  static const std::vector<column_spec> event_columns = {
      {"event_id", column_type::uuid},       {"\"timestamp\"", column_type::timestamp},
      {"request_id", column_type::text},     {"tenant_id", column_type::text},
      {"actor_id", column_type::text},       {"actor_role", column_type::text},
      {"action", column_type::text},         {"resource", column_type::text},
      {"decision", column_type::text},       {"reason", column_type::text},
      {"method", column_type::text},         {"path", column_type::text},
      {"status_code", column_type::integer}, {"latency_ms", column_type::real},
      {"source_ip", column_type::text},      {"policy_revision", column_type::text},
      {"sink_id", column_type::text},        {"sequence", column_type::bigint},
  };
  static const std::vector<column_spec> outcome_columns = {
      {"event_id", column_type::uuid},
      {"\"timestamp\"", column_type::timestamp},
      {"completed_at", column_type::timestamp},
      {"request_id", column_type::text},
      {"status_code", column_type::integer},
      {"upstream_status", column_type::integer},
      {"upstream_latency_ms", column_type::real},
      {"latency_ms", column_type::real},
      {"error", column_type::text},
      {"sink_id", column_type::text},
      {"sequence", column_type::bigint},
  };
  return kind == record_kind::event ? event_columns : outcome_columns;
}

std::size_t formatted_field_count(record_kind kind) {
  return record_columns(kind).size() - 2;
}

std::size_t sink_id_field(record_kind kind) {
  return record_columns(kind).size() - 2;
}

std::size_t sequence_field(record_kind kind) {
  return record_columns(kind).size() - 1;
}

const char* table_name(record_kind kind) {
  return kind == record_kind::event ? "mem0_audit_log" : "mem0_audit_outcome";
}

const char* to_string(record_kind kind) {
  return kind == record_kind::event ? "event" : "outcome";
}

std::optional<record_kind> parse_record_kind(std::string_view name) {
  if (name == "event") {
    return record_kind::event;
  }
  if (name == "outcome") {
    return record_kind::outcome;
  }
  return std::nullopt;
}

std::string copy_column_list(record_kind kind) {
  std::string list;
  for (const column_spec& column : record_columns(kind)) {
    list += column.name;
    list += ", ";
  }
  list += "prev_hash, row_hash";
  return list;
}

}  // namespace memgov::audit
