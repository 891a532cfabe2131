// Command line of memgovctl.
#pragma once

#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace memgov::ctl {

// A command line memgovctl cannot run; main() prints the message and the usage, exit 2.
class usage_error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

enum class report_kind {
  access,  // Access summary by tenant and role.
  failed,  // Failed access attempts (deny, invalid_request).
  admin,   // Activity of the admin role.
};

const char* to_string(report_kind kind);

// A UTC calendar date.
struct civil_date {
  int year = 1970;
  int month = 1;
  int day = 1;
  std::string iso() const;  // "YYYY-MM-DD".
};

bool operator<(const civil_date& a, const civil_date& b);

// A half-open range of UTC timestamps [from, to), as SQL literals "YYYY-MM-DD 00:00:00+00".
struct time_range {
  std::string from;
  std::string to;
};

enum class command_kind { help, report, verify, migrate };

struct command_line {
  command_kind command = command_kind::help;
  report_kind report = report_kind::access;
  time_range range;                   // For report.
  std::optional<std::string> tenant;  // For report.
  std::optional<std::string> output;  // For report; empty means stdout.
  std::string database_url;           // From --database-url or DATABASE_URL.
};

// Parses argv[1..]. `environment_database_url` is DATABASE_URL, when set. Throws usage_error
// naming the bad argument.
command_line parse_command_line(const std::vector<std::string>& arguments,
                                const std::optional<std::string>& environment_database_url);

// Parses "YYYY-MM-DD" (a real calendar date); nullopt otherwise.
std::optional<civil_date> parse_date(const std::string& text);

// The range of a month given as "YYYY-MM"; nullopt when the text is not one.
std::optional<time_range> month_range(const std::string& text);

// The range from the start of `from` to the end of `to`, both inclusive dates.
time_range date_range(const civil_date& from, const civil_date& to);

extern const char* const kUsage;

}  // namespace memgov::ctl
