// The canonical serialization of a record: the bytes its chain hash covers and the body of its
// write-ahead log entry.
//
// Layout: the tag "memgov-audit-record/1 <table>\n", then every field of record_columns() in
// order, each as 0x00 for NULL or 0x01, a 32-bit big-endian length and the field's bytes.
// Anyone holding a stored row can rebuild these bytes from its column values (memgovctl
// verify does). The sink_id and sequence come last, so the log writer appends them to bytes
// the request handler prepared.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include "protocol/messages.hpp"
#include "record/field_receiver.hpp"
#include "record/record_schema.hpp"

namespace memgov::audit {

// Builds canonical bytes field by field.
class canonical_builder : public field_receiver {
 public:
  explicit canonical_builder(record_kind kind);

  void add_null() override;
  void add_text(std::string_view text) override;
  void add_client_text(std::string_view text) override;

  std::string take() { return std::move(bytes_); }

 private:
  std::string bytes_;
};

// Serializes `fields`, which must hold record_columns(kind).size() values, or
// formatted_field_count(kind) values for the bytes before sink_id and sequence.
std::string encode_canonical(record_kind kind, const record_fields& fields);

// The canonical bytes of a record without its sink_id and sequence.
std::string encode_canonical_prefix(const protocol::audit_event& event);
std::string encode_canonical_prefix(const protocol::audit_outcome& outcome,
                                    std::int64_t received_unix_us);

// Appends one field in the canonical form.
void append_canonical_field(std::string& out, std::optional<std::string_view> field);

// Reads the fields of canonical bytes in order without copying them.
class canonical_reader {
 public:
  // Starts after the tag; kind() is empty when the tag is unknown.
  explicit canonical_reader(std::string_view bytes);

  std::optional<record_kind> kind() const { return kind_; }

  // Reads the next field into `field` (nullopt for NULL). Returns false at the end or when
  // the bytes are malformed; see malformed().
  bool next(std::optional<std::string_view>& field);

  bool malformed() const { return malformed_; }
  bool at_end() const { return at_ == bytes_.size(); }

 private:
  std::string_view bytes_;
  std::size_t at_ = 0;
  std::optional<record_kind> kind_;
  bool malformed_ = false;
};

// Checks the structure of canonical bytes (tag, field count, no trailing bytes) without
// copying them. Returns the kind, or nullopt and sets `error`.
std::optional<record_kind> check_canonical(std::string_view bytes, std::string& error);

// Field `index` of well-formed canonical bytes; nullopt for NULL or when there is none.
std::optional<std::string_view> canonical_field(std::string_view bytes, std::size_t index);

struct canonical_record {
  record_kind kind = record_kind::event;
  record_fields fields;
};

// Parses bytes made by encode_canonical(). Returns nullopt and sets `error` when the tag is
// unknown, a field is cut short, the field count is wrong or bytes follow the last field.
std::optional<canonical_record> decode_canonical(std::string_view bytes, std::string& error);

}  // namespace memgov::audit
