#include "ctl/migrate_command.hpp"

#include <iostream>
#include <set>

#include <pqxx/pqxx>

#include "record/record_format.hpp"
#include "storage/partitions.hpp"
#include "storage/schema_migration.hpp"

namespace memgov::ctl {

int run_migrate(const command_line& command) {
  pqxx::connection connection(command.database_url);
  int version = audit::migrate_audit_schema(connection);
  std::vector<audit::partition_month> months = audit::months_to_prepare(audit::unix_now_us());
  std::vector<std::string> created = audit::ensure_partitions(
      connection, std::set<audit::partition_month>(months.begin(), months.end()));
  std::cout << "audit schema at version " << version << "\n";
  for (const std::string& partition : created) {
    std::cout << "created partition " << partition << "\n";
  }
  return 0;
}

}  // namespace memgov::ctl
