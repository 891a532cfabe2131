// Monthly partitions of mem0_audit_log and mem0_audit_outcome, which partition by the UTC
// month of "timestamp". The database function memgov_audit_ensure_partitions() creates them.
#pragma once

#include <cstdint>
#include <set>
#include <string>
#include <vector>

namespace pqxx {
class connection_base;
}

namespace memgov::audit {

// A calendar month in UTC.
struct partition_month {
  int year = 1970;
  int month = 1;  // 1-12.

  partition_month next() const;
  // "YYYY-MM-01", the date the database function takes.
  std::string first_day() const;
  // Partition name of `parent`, e.g. mem0_audit_log_y2025m01; the same rule as the
  // database function memgov_audit_partition_name().
  std::string partition_name(const std::string& parent) const;
};

inline bool operator<(const partition_month& a, const partition_month& b) {
  return a.year != b.year ? a.year < b.year : a.month < b.month;
}

inline bool operator==(const partition_month& a, const partition_month& b) {
  return a.year == b.year && a.month == b.month;
}

// The month holding `unix_us` (microseconds since the Unix epoch).
partition_month month_of(std::int64_t unix_us);

// The months whose partitions must exist at `now_unix_us`: the current and the next month.
std::vector<partition_month> months_to_prepare(std::int64_t now_unix_us);

// Calls memgov_audit_ensure_partitions() for each month, in one transaction, and returns the
// names of the partitions created. Throws a pqxx exception on failure.
std::vector<std::string> ensure_partitions(pqxx::connection_base& connection,
                                           const std::set<partition_month>& months);

}  // namespace memgov::audit
