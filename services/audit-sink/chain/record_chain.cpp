#include "chain/record_chain.hpp"

#include <utility>

#include "record/canonical.hpp"

namespace memgov::audit {

sha256_digest chain_hash(const sha256_digest& prev_hash, std::string_view canonical) {
  return sha256(as_bytes(prev_hash), canonical);
}

linked_record link_record(chain_position& position, const std::string& sink_id, record_kind kind,
                          std::string canonical_prefix) {
  linked_record record;
  record.kind = kind;
  record.sequence = position.sequence + 1;
  record.prev_hash = position.row_hash;
  record.canonical = std::move(canonical_prefix);
  append_canonical_field(record.canonical, sink_id);
  append_canonical_field(record.canonical, std::to_string(record.sequence));
  record.row_hash = chain_hash(record.prev_hash, record.canonical);
  position.sequence = record.sequence;
  position.row_hash = record.row_hash;
  return record;
}

linked_record link_record(chain_position& position, const std::string& sink_id, record_kind kind,
                          const record_fields& fields) {
  record_fields prefix = fields;
  prefix.resize(formatted_field_count(kind));
  return link_record(position, sink_id, kind, encode_canonical(kind, prefix));
}

}  // namespace memgov::audit
