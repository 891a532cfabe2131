// memgovctl: compliance reports and chain verification over the audit tables.
#include <cstdlib>
#include <iostream>
#include <string>
#include <vector>

#include <pqxx/except>

#include "ctl/cli_args.hpp"
#include "ctl/migrate_command.hpp"
#include "ctl/report_command.hpp"
#include "ctl/verify_command.hpp"

int main(int argc, char** argv) {
  using namespace memgov::ctl;
  std::vector<std::string> arguments(argv + 1, argv + argc);
  const char* environment_url = std::getenv("DATABASE_URL");
  command_line command;
  try {
    command = parse_command_line(
        arguments, environment_url ? std::optional<std::string>(environment_url) : std::nullopt);
  } catch (const usage_error& e) {
    std::cerr << "memgovctl: " << e.what() << "\n\n" << kUsage;
    return 2;
  }
  try {
    switch (command.command) {
      case command_kind::help:
        std::cout << kUsage;
        return 0;
      case command_kind::report:
        return run_report(command);
      case command_kind::verify:
        return run_verify(command);
      case command_kind::migrate:
        return run_migrate(command);
    }
  } catch (const pqxx::broken_connection& e) {
    std::cerr << "memgovctl: cannot connect to the database: " << e.what() << "\n";
  } catch (const std::exception& e) {
    std::cerr << "memgovctl: " << e.what() << "\n";
  }
  return 3;
}
