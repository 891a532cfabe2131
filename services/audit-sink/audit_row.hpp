// Conversion of an audit event into the text fields of one mem0_audit_log row, in the form
// COPY reads them.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "protocol/messages.hpp"

namespace memgov::audit {

inline constexpr std::size_t kAuditColumnCount = 16;

// One row's fields in audit_columns() order; nullopt is SQL NULL.
using audit_row = std::array<std::optional<std::string>, kAuditColumnCount>;

// The columns written, every one but the bigserial id, as SQL identifiers ("timestamp" is
// quoted because it is also a type name).
const std::array<std::string, kAuditColumnCount>& audit_columns();

// The column list joined by commas, for INSERT ... SELECT.
const std::string& audit_column_list();

// Formats a validated event (see validate_event). Empty text becomes NULL, as does a
// status_code of 0 and a latency that is not finite. The event_id is lower-cased. Text is
// passed through sanitize_utf8.
audit_row format_row(const protocol::audit_event& event);

// Formats microseconds since the Unix epoch as "YYYY-MM-DD HH:MM:SS.ffffff+00".
std::string format_timestamp(std::int64_t unix_us);

// Returns `text` with every byte sequence that is not valid UTF-8, and every NUL, replaced
// by U+FFFD. PostgreSQL rejects both in text columns, and one bad field would otherwise fail
// the whole batch.
std::string sanitize_utf8(std::string_view text);

}  // namespace memgov::audit
