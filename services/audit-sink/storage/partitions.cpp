#include "storage/partitions.hpp"

#include <cstdio>
#include <ctime>

#include <pqxx/pqxx>

namespace memgov::audit {

partition_month partition_month::next() const {
  return month == 12 ? partition_month{year + 1, 1} : partition_month{year, month + 1};
}

std::string partition_month::first_day() const {
  char buffer[16];
  std::snprintf(buffer, sizeof buffer, "%04d-%02d-01", year, month);
  return buffer;
}

std::string partition_month::partition_name(const std::string& parent) const {
  char buffer[16];
  std::snprintf(buffer, sizeof buffer, "_y%04dm%02d", year, month);
  return parent + buffer;
}

partition_month month_of(std::int64_t unix_us) {
  std::int64_t seconds = unix_us / 1'000'000;
  if (unix_us % 1'000'000 < 0) {
    seconds -= 1;
  }
  std::time_t whole = static_cast<std::time_t>(seconds);
  std::tm utc{};
  gmtime_r(&whole, &utc);
  return {utc.tm_year + 1900, utc.tm_mon + 1};
}

std::vector<partition_month> months_to_prepare(std::int64_t now_unix_us) {
  partition_month current = month_of(now_unix_us);
  return {current, current.next()};
}

std::vector<std::string> ensure_partitions(pqxx::connection_base& connection,
                                           const std::set<partition_month>& months) {
  std::vector<std::string> created;
  if (months.empty()) {
    return created;
  }
  pqxx::work tx(connection, "memgov_audit_partitions");
  for (const partition_month& month : months) {
    pqxx::result rows =
        tx.exec("SELECT memgov_audit_ensure_partitions(" + tx.quote(month.first_day()) + "::date)");
    for (const auto& row : rows) {
      created.push_back(row[0].as<std::string>());
    }
  }
  tx.commit();
  return created;
}

}  // namespace memgov::audit
