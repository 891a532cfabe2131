#include "record/canonical.hpp"

#include <cstdint>

#include "record/record_format.hpp"

namespace memgov::audit {
namespace {

constexpr std::string_view kTagPrefix = "memgov-audit-record/1 ";

std::string tag_of(record_kind kind) {
  return std::string(kTagPrefix) + table_name(kind) + "\n";
}

const std::string& cached_tag(record_kind kind) {
  static const std::string event_tag = tag_of(record_kind::event);
  static const std::string outcome_tag = tag_of(record_kind::outcome);
  return kind == record_kind::event ? event_tag : outcome_tag;
}

void append_u32_be(std::string& out, std::uint32_t value) {
  out.push_back(static_cast<char>((value >> 24) & 0xFF));
  out.push_back(static_cast<char>((value >> 16) & 0xFF));
  out.push_back(static_cast<char>((value >> 8) & 0xFF));
  out.push_back(static_cast<char>(value & 0xFF));
}

void write_u32_be(std::string& out, std::size_t at, std::uint32_t value) {
  out[at] = static_cast<char>((value >> 24) & 0xFF);
  out[at + 1] = static_cast<char>((value >> 16) & 0xFF);
  out[at + 2] = static_cast<char>((value >> 8) & 0xFF);
  out[at + 3] = static_cast<char>(value & 0xFF);
}

std::uint32_t read_u32_be(std::string_view bytes, std::size_t at) {
  auto byte = [&](std::size_t k) {
    return static_cast<std::uint32_t>(static_cast<unsigned char>(bytes[at + k]));
  };
  return (byte(0) << 24) | (byte(1) << 16) | (byte(2) << 8) | byte(3);
}

}  // namespace

canonical_builder::canonical_builder(record_kind kind) : bytes_(cached_tag(kind)) {
  bytes_.reserve(512);
}

void canonical_builder::add_null() {
  bytes_.push_back('\x00');
}

void canonical_builder::add_text(std::string_view text) {
  append_canonical_field(bytes_, text);
}

void canonical_builder::add_client_text(std::string_view text) {
  if (text.empty()) {
    add_null();
    return;
  }
  // Sanitizing may change the length, so the length is written afterwards.
  bytes_.push_back('\x01');
  std::size_t length_at = bytes_.size();
  bytes_.append(4, '\x00');
  append_sanitized_utf8(bytes_, text);
  write_u32_be(bytes_, length_at, static_cast<std::uint32_t>(bytes_.size() - length_at - 4));
}

void append_canonical_field(std::string& out, std::optional<std::string_view> field) {
  if (!field) {
    out.push_back('\x00');
    return;
  }
  out.push_back('\x01');
  append_u32_be(out, static_cast<std::uint32_t>(field->size()));
  out.append(*field);
}

std::string encode_canonical(record_kind kind, const record_fields& fields) {
  canonical_builder builder(kind);
  for (const auto& field : fields) {
    if (field) {
      builder.add_text(*field);
    } else {
      builder.add_null();
    }
  }
  return builder.take();
}

std::string encode_canonical_prefix(const protocol::audit_event& event) {
  canonical_builder builder(record_kind::event);
  format_event(event, builder);
  return builder.take();
}

std::string encode_canonical_prefix(const protocol::audit_outcome& outcome,
                                    std::int64_t received_unix_us) {
  canonical_builder builder(record_kind::outcome);
  format_outcome(outcome, received_unix_us, builder);
  return builder.take();
}

canonical_reader::canonical_reader(std::string_view bytes) : bytes_(bytes) {
  for (record_kind kind : {record_kind::event, record_kind::outcome}) {
    const std::string& tag = cached_tag(kind);
    if (bytes.substr(0, tag.size()) == tag) {
      kind_ = kind;
      at_ = tag.size();
      return;
    }
  }
  malformed_ = true;
  at_ = bytes_.size();
}

bool canonical_reader::next(std::optional<std::string_view>& field) {
  if (malformed_ || at_ >= bytes_.size()) {
    return false;
  }
  char marker = bytes_[at_++];
  if (marker == '\x00') {
    field.reset();
    return true;
  }
  if (marker != '\x01' || bytes_.size() - at_ < 4) {
    malformed_ = true;
    return false;
  }
  std::uint32_t length = read_u32_be(bytes_, at_);
  at_ += 4;
  if (length > bytes_.size() - at_) {
    malformed_ = true;
    return false;
  }
  field = bytes_.substr(at_, length);
  at_ += length;
  return true;
}

std::optional<record_kind> check_canonical(std::string_view bytes, std::string& error) {
  canonical_reader reader(bytes);
  if (!reader.kind()) {
    error = "record has no known canonical tag";
    return std::nullopt;
  }
  std::size_t expected = record_columns(*reader.kind()).size();
  std::size_t count = 0;
  std::optional<std::string_view> field;
  while (count < expected && reader.next(field)) {
    ++count;
  }
  if (reader.malformed()) {
    error = "record field " + std::to_string(count) + " is malformed or cut short";
    return std::nullopt;
  }
  if (count != expected) {
    error = "record has " + std::to_string(count) + " fields, expected " + std::to_string(expected);
    return std::nullopt;
  }
  if (!reader.at_end()) {
    error = "record has bytes after its last field";
    return std::nullopt;
  }
  return reader.kind();
}

std::optional<std::string_view> canonical_field(std::string_view bytes, std::size_t index) {
  canonical_reader reader(bytes);
  std::optional<std::string_view> field;
  for (std::size_t i = 0; i <= index; ++i) {
    if (!reader.next(field)) {
      return std::nullopt;
    }
  }
  return field;
}

std::optional<canonical_record> decode_canonical(std::string_view bytes, std::string& error) {
  std::optional<record_kind> kind = check_canonical(bytes, error);
  if (!kind) {
    return std::nullopt;
  }
  canonical_record record;
  record.kind = *kind;
  canonical_reader reader(bytes);
  std::optional<std::string_view> field;
  while (reader.next(field)) {
    record.fields.push_back(field ? std::optional<std::string>(std::string(*field)) : std::nullopt);
  }
  return record;
}

}  // namespace memgov::audit
