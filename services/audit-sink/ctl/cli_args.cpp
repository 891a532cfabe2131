#include "ctl/cli_args.hpp"

#include <cstdio>
#include <tuple>

namespace memgov::ctl {
namespace {

bool is_leap(int year) {
  return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
}

int days_in_month(int year, int month) {
  static const int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return month == 2 && is_leap(year) ? 29 : days[month - 1];
}

bool all_digits(const std::string& text, std::size_t from, std::size_t count) {
  if (from + count > text.size()) {
    return false;
  }
  for (std::size_t i = from; i < from + count; ++i) {
    if (text[i] < '0' || text[i] > '9') {
      return false;
    }
  }
  return true;
}

civil_date next_day(civil_date date) {
  if (date.day < days_in_month(date.year, date.month)) {
    ++date.day;
  } else if (date.month < 12) {
    date = {date.year, date.month + 1, 1};
  } else {
    date = {date.year + 1, 1, 1};
  }
  return date;
}

std::string start_of(const civil_date& date) {
  return date.iso() + " 00:00:00+00";
}

std::optional<report_kind> parse_report_kind(const std::string& text) {
  if (text == "access") {
    return report_kind::access;
  }
  if (text == "failed") {
    return report_kind::failed;
  }
  if (text == "admin") {
    return report_kind::admin;
  }
  return std::nullopt;
}

// Reads the value of option `name` at arguments[i + 1].
std::string option_value(const std::vector<std::string>& arguments, std::size_t& i) {
  if (i + 1 >= arguments.size() || arguments[i + 1].rfind("--", 0) == 0) {
    throw usage_error(arguments[i] + " needs a value");
  }
  return arguments[++i];
}

struct report_options {
  std::optional<std::string> month;
  std::optional<std::string> from;
  std::optional<std::string> to;
};

time_range resolve_range(const report_options& options) {
  if (options.month && (options.from || options.to)) {
    throw usage_error("give either --month or --from and --to, not both");
  }
  if (options.month) {
    std::optional<time_range> range = month_range(*options.month);
    if (!range) {
      throw usage_error("--month '" + *options.month + "' is not a month in the form YYYY-MM");
    }
    return *range;
  }
  if (!options.from || !options.to) {
    throw usage_error("a report needs --month YYYY-MM, or both --from DATE and --to DATE");
  }
  std::optional<civil_date> from = parse_date(*options.from);
  if (!from) {
    throw usage_error("--from '" + *options.from + "' is not a date in the form YYYY-MM-DD");
  }
  std::optional<civil_date> to = parse_date(*options.to);
  if (!to) {
    throw usage_error("--to '" + *options.to + "' is not a date in the form YYYY-MM-DD");
  }
  if (*to < *from) {
    throw usage_error("--to " + to->iso() + " is before --from " + from->iso());
  }
  return date_range(*from, *to);
}

}  // namespace

const char* const kUsage = R"(usage:
  memgovctl report access|failed|admin (--month YYYY-MM | --from DATE --to DATE)
            [--tenant TENANT] [--output FILE] [--database-url URL]
      Write one of the compliance reports as CSV (the format of psql --csv) to FILE or
      standard output. access: requests by tenant and role with allowed and denied counts;
      failed: denied and invalid requests; admin: requests made with the admin role.
      --month covers a UTC calendar month; --from and --to are UTC dates, both included.
  memgovctl verify [--database-url URL]
      Walk every sink's hash chain over mem0_audit_log, mem0_audit_outcome and
      mem0_audit_chain_link and name the first broken row of each broken chain.
  memgovctl migrate [--database-url URL]
      Create or upgrade the audit tables and this month's and next month's partitions.

The database URL defaults to the DATABASE_URL environment variable. Progress goes to
standard error. Exit status: 0 success, 1 a chain is broken, 2 invalid arguments,
3 the database or the output file failed.
)";

const char* to_string(report_kind kind) {
  switch (kind) {
    case report_kind::access:
      return "access";
    case report_kind::failed:
      return "failed";
    case report_kind::admin:
      return "admin";
  }
  return "access";
}

std::string civil_date::iso() const {
  char buffer[16];
  std::snprintf(buffer, sizeof buffer, "%04d-%02d-%02d", year, month, day);
  return buffer;
}

bool operator<(const civil_date& a, const civil_date& b) {
  return std::tie(a.year, a.month, a.day) < std::tie(b.year, b.month, b.day);
}

std::optional<civil_date> parse_date(const std::string& text) {
  if (text.size() != 10 || text[4] != '-' || text[7] != '-' || !all_digits(text, 0, 4) ||
      !all_digits(text, 5, 2) || !all_digits(text, 8, 2)) {
    return std::nullopt;
  }
  civil_date date{std::stoi(text.substr(0, 4)), std::stoi(text.substr(5, 2)),
                  std::stoi(text.substr(8, 2))};
  if (date.year < 1 || date.month < 1 || date.month > 12 || date.day < 1 ||
      date.day > days_in_month(date.year, date.month)) {
    return std::nullopt;
  }
  return date;
}

std::optional<time_range> month_range(const std::string& text) {
  std::optional<civil_date> first = parse_date(text + "-01");
  if (text.size() != 7 || !first) {
    return std::nullopt;
  }
  civil_date next = first->month == 12 ? civil_date{first->year + 1, 1, 1}
                                       : civil_date{first->year, first->month + 1, 1};
  return time_range{start_of(*first), start_of(next)};
}

time_range date_range(const civil_date& from, const civil_date& to) {
  return time_range{start_of(from), start_of(next_day(to))};
}

command_line parse_command_line(const std::vector<std::string>& arguments,
                                const std::optional<std::string>& environment_database_url) {
  command_line parsed;
  if (arguments.empty()) {
    throw usage_error("missing command");
  }
  const std::string& command = arguments[0];
  std::size_t i = 1;
  if (command == "help" || command == "--help" || command == "-h") {
    parsed.command = command_kind::help;
    return parsed;
  }
  if (command == "report") {
    parsed.command = command_kind::report;
    if (arguments.size() < 2) {
      throw usage_error("report needs a kind: access, failed or admin");
    }
    std::optional<report_kind> kind = parse_report_kind(arguments[1]);
    if (!kind) {
      throw usage_error("unknown report '" + arguments[1] + "'; expected access, failed or admin");
    }
    parsed.report = *kind;
    i = 2;
  } else if (command == "verify") {
    parsed.command = command_kind::verify;
  } else if (command == "migrate") {
    parsed.command = command_kind::migrate;
  } else {
    throw usage_error("unknown command '" + command + "'; expected report, verify or migrate");
  }

  report_options range_options;
  std::optional<std::string> database_url;
  for (; i < arguments.size(); ++i) {
    const std::string& word = arguments[i];
    if (word == "--database-url") {
      database_url = option_value(arguments, i);
      continue;
    }
    if (word == "--help" || word == "-h") {
      parsed.command = command_kind::help;
      return parsed;
    }
    bool report_option = word == "--month" || word == "--from" || word == "--to" ||
                         word == "--tenant" || word == "--output";
    if (!report_option) {
      throw usage_error("unknown argument '" + word + "'");
    }
    if (parsed.command != command_kind::report) {
      throw usage_error(word + " applies only to report");
    }
    std::string value = option_value(arguments, i);
    if (word == "--month") {
      range_options.month = value;
    } else if (word == "--from") {
      range_options.from = value;
    } else if (word == "--to") {
      range_options.to = value;
    } else if (word == "--tenant") {
      if (value.empty()) {
        throw usage_error("--tenant must not be empty");
      }
      parsed.tenant = value;
    } else {
      parsed.output = value;
    }
  }
  if (parsed.command == command_kind::report) {
    parsed.range = resolve_range(range_options);
  }
  if (database_url) {
    parsed.database_url = *database_url;
  } else if (environment_database_url && !environment_database_url->empty()) {
    parsed.database_url = *environment_database_url;
  } else {
    throw usage_error("no database: set DATABASE_URL or pass --database-url");
  }
  return parsed;
}

}  // namespace memgov::ctl
