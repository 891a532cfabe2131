#include "ctl/csv_writer.hpp"

namespace memgov::ctl {

void append_csv_field(std::string& out, std::string_view field) {
  bool quote = field == "\\." || field.find_first_of(",\"\n\r") != std::string_view::npos;
  if (!quote) {
    out.append(field);
    return;
  }
  out.push_back('"');
  for (char c : field) {
    if (c == '"') {
      out.push_back('"');
    }
    out.push_back(c);
  }
  out.push_back('"');
}

void append_csv_line(std::string& out, const std::vector<std::optional<std::string>>& fields) {
  for (std::size_t i = 0; i < fields.size(); ++i) {
    if (i > 0) {
      out.push_back(',');
    }
    if (fields[i]) {
      append_csv_field(out, *fields[i]);
    }
  }
  out.push_back('\n');
}

}  // namespace memgov::ctl
