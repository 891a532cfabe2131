#include "ctl/report_command.hpp"

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <stdexcept>

#include <pqxx/pqxx>

#include "ctl/csv_writer.hpp"
#include "ctl/progress.hpp"
#include "ctl/report_queries.hpp"

namespace memgov::ctl {
namespace {

constexpr int kFetchRows = 10000;

// Writes to FILE.tmp and renames it at the end, so a failed run leaves no partial report.
class report_output {
 public:
  explicit report_output(const std::optional<std::string>& path) : path_(path.value_or("")) {
    if (!path_.empty()) {
      temporary_ = path_ + ".tmp";
      file_.open(temporary_, std::ios::binary | std::ios::trunc);
      if (!file_) {
        throw std::runtime_error("failed to create " + temporary_);
      }
    }
  }

  ~report_output() {
    if (!temporary_.empty() && !finished_) {
      file_.close();
      std::remove(temporary_.c_str());
    }
  }

  void write(const std::string& text) {
    std::ostream& out = path_.empty() ? std::cout : static_cast<std::ostream&>(file_);
    out << text;
    if (!out) {
      throw std::runtime_error("failed to write the report to " +
                               (path_.empty() ? std::string("standard output") : temporary_));
    }
  }

  void finish() {
    if (path_.empty()) {
      std::cout.flush();
      return;
    }
    file_.close();
    if (!file_ || std::rename(temporary_.c_str(), path_.c_str()) != 0) {
      throw std::runtime_error("failed to write the report to " + path_);
    }
    finished_ = true;
  }

 private:
  std::string path_;
  std::string temporary_;
  std::ofstream file_;
  bool finished_ = false;
};

}  // namespace

int run_report(const command_line& command) {
  pqxx::connection connection(command.database_url);
  connection.set_client_encoding("UTF8");
  pqxx::work tx(connection, "memgovctl_report");
  tx.exec("SET TRANSACTION READ ONLY");
  std::string query = report_query(command.report, command.range, command.tenant,
                                   [&](const std::string& text) { return tx.quote(text); });
  tx.exec("DECLARE memgovctl_report NO SCROLL CURSOR FOR " + query);

  report_output output(command.output);
  progress_meter progress(std::string(to_string(command.report)) + " report");
  bool header_written = false;
  std::string text;
  while (true) {
    pqxx::result rows =
        tx.exec("FETCH FORWARD " + std::to_string(kFetchRows) + " FROM memgovctl_report");
    text.clear();
    if (!header_written) {
      std::vector<std::optional<std::string>> names;
      for (pqxx::row::size_type i = 0; i < rows.columns(); ++i) {
        names.emplace_back(rows.column_name(i));
      }
      append_csv_line(text, names);
      header_written = true;
    }
    std::vector<std::optional<std::string>> fields;
    for (const auto& row : rows) {
      fields.clear();
      for (const auto& field : row) {
        if (field.is_null()) {
          fields.emplace_back();
        } else {
          fields.emplace_back(std::string(field.c_str(), field.size()));
        }
      }
      append_csv_line(text, fields);
    }
    output.write(text);
    progress.add(rows.size());
    if (rows.size() < static_cast<pqxx::result::size_type>(kFetchRows)) {
      break;
    }
  }
  tx.commit();
  output.finish();
  std::fprintf(stderr, "memgovctl: %s report: %llu rows written to %s\n", to_string(command.report),
               static_cast<unsigned long long>(progress.rows()),
               command.output ? command.output->c_str() : "standard output");
  return 0;
}

}  // namespace memgov::ctl
