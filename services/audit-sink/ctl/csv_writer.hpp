// CSV in the format of psql --csv, so a report equals the same query run through psql.
//
// A field is quoted (with inner quotes doubled) when it contains a comma, a double quote, a
// newline or a carriage return, or is exactly "\." (which psql quotes so that it cannot end
// COPY data). NULL and the empty string are both written as an empty field. Lines end with
// "\n".
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace memgov::ctl {

void append_csv_field(std::string& out, std::string_view field);

// Appends one line of fields, NULL (nullopt) as empty.
void append_csv_line(std::string& out, const std::vector<std::optional<std::string>>& fields);

}  // namespace memgov::ctl
