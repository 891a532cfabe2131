// Conversion of validated protocol messages into record fields, and of record fields into
// the text that COPY reads.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "protocol/messages.hpp"
#include "record/field_receiver.hpp"
#include "record/record_schema.hpp"

namespace memgov::audit {

// Formats a validated event (see validate_event) into formatted_field_count(record_kind::event)
// fields. Empty text becomes NULL, as do a status_code of 0 and a latency that is not finite. The
// event_id is lower-cased and text passes through sanitize_utf8.
void format_event(const protocol::audit_event& event, field_receiver& receiver);
record_fields format_event(const protocol::audit_event& event);

// Formats a validated outcome likewise. A completed_unix_us of 0 becomes `received_unix_us`,
// an upstream_status of 0 becomes NULL, and a latency that is negative or not finite becomes
// NULL.
void format_outcome(const protocol::audit_outcome& outcome, std::int64_t received_unix_us,
                    field_receiver& receiver);
record_fields format_outcome(const protocol::audit_outcome& outcome, std::int64_t received_unix_us);

// Microseconds since the Unix epoch, from the system clock.
std::int64_t unix_now_us();

// Formats microseconds since the Unix epoch as "YYYY-MM-DD HH:MM:SS.ffffff+00".
std::string format_timestamp(std::int64_t unix_us);

// Formats a double so that PostgreSQL's float8 input returns the same value.
std::string format_real(double value);

// Parses a decimal integer field; nullopt when the text is not one.
std::optional<std::int64_t> parse_integer(std::string_view text);

// Returns `text` with every byte sequence that is not valid UTF-8, and every NUL, replaced
// by U+FFFD. PostgreSQL rejects both in text columns, and one bad field would otherwise fail
// the whole batch.
std::string sanitize_utf8(std::string_view text);

// Appends `text` sanitized (see sanitize_utf8) to `out`.
void append_sanitized_utf8(std::string& out, std::string_view text);

// Appends `field` to `out` escaped for COPY's text format: \N for NULL, and backslash, tab,
// newline and carriage return as backslash escapes. Timestamp fields are converted to
// format_timestamp() text.
void append_copy_field(std::string& out, std::optional<std::string_view> field, column_type type);

// Appends bytes as a bytea hex literal escaped for COPY text ("\\x0a1b...").
void append_copy_bytea(std::string& out, std::string_view bytes);

}  // namespace memgov::audit
