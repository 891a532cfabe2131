#include "ctl/verify_command.hpp"

#include <cstdio>
#include <deque>
#include <iostream>

#include <pqxx/pqxx>

#include "ctl/chain_rows.hpp"
#include "ctl/progress.hpp"

namespace memgov::ctl {
namespace {

constexpr int kFetchRows = 5000;

// One server-side cursor over a sink's rows of one table, read in chunks.
class row_cursor {
 public:
  row_cursor(pqxx::transaction_base& tx, chain_source source, const std::string& sink_id,
             const std::string& name)
      : tx_(tx), source_(source), sink_id_(sink_id), name_(name) {
    tx_.exec("DECLARE " + name_ + " NO SCROLL CURSOR FOR " +
             chain_query(source, tx_.quote(sink_id)));
  }

  ~row_cursor() {
    try {
      tx_.exec("CLOSE " + name_);
    } catch (const std::exception&) {
      // The transaction failed already; its end closes the cursor.
    }
  }

  // The next row, or nullptr when the cursor is exhausted.
  const chain_row* peek() {
    if (buffer_.empty() && !exhausted_) {
      fetch();
    }
    return buffer_.empty() ? nullptr : &buffer_.front();
  }

  void pop() { buffer_.pop_front(); }

 private:
  void fetch() {
    pqxx::result rows = tx_.exec("FETCH FORWARD " + std::to_string(kFetchRows) + " FROM " + name_);
    std::vector<std::optional<std::string>> values;
    for (const auto& row : rows) {
      values.clear();
      for (const auto& field : row) {
        if (field.is_null()) {
          values.emplace_back();
        } else {
          values.emplace_back(std::string(field.c_str(), field.size()));
        }
      }
      buffer_.push_back(make_chain_row(source_, sink_id_, values));
    }
    exhausted_ = rows.size() < static_cast<pqxx::result::size_type>(kFetchRows);
  }

  pqxx::transaction_base& tx_;
  chain_source source_;
  std::string sink_id_;
  std::string name_;
  std::deque<chain_row> buffer_;
  bool exhausted_ = false;
};

std::optional<std::int64_t> retention_boundary(pqxx::transaction_base& tx) {
  pqxx::result rows = tx.exec(
      "SELECT " +
      unix_us_expression("((max(month)::timestamp + interval '1 month') AT TIME ZONE 'UTC')") +
      " FROM mem0_audit_retention");
  if (rows[0][0].is_null()) {
    return std::nullopt;
  }
  return rows[0][0].as<std::int64_t>();
}

std::vector<std::string> sink_ids(pqxx::transaction_base& tx) {
  pqxx::result rows = tx.exec(
      "SELECT sink_id FROM mem0_audit_log UNION SELECT sink_id FROM mem0_audit_outcome "
      "UNION SELECT sink_id FROM mem0_audit_chain_link ORDER BY 1");
  std::vector<std::string> ids;
  for (const auto& row : rows) {
    ids.push_back(row[0].as<std::string>());
  }
  return ids;
}

// Feeds the sink's rows of all three tables to `walker` in sequence order.
void walk_sink(pqxx::transaction_base& tx, chain_walker& walker, progress_meter& progress) {
  row_cursor cursors[] = {
      {tx, chain_source::event, walker.sink_id(), "memgovctl_events"},
      {tx, chain_source::outcome, walker.sink_id(), "memgovctl_outcomes"},
      {tx, chain_source::link, walker.sink_id(), "memgovctl_links"},
  };
  while (true) {
    row_cursor* next = nullptr;
    for (row_cursor& cursor : cursors) {
      const chain_row* row = cursor.peek();
      if (row != nullptr && (next == nullptr || row->sequence < next->peek()->sequence)) {
        next = &cursor;
      }
    }
    if (next == nullptr) {
      return;
    }
    walker.add(*next->peek());
    next->pop();
    progress.add(1);
  }
}

void print_result(const chain_walker& walker) {
  for (const std::string& note : walker.notes()) {
    std::cout << "sink " << walker.sink_id() << ": note: " << note << "\n";
  }
  if (const auto& broken = walker.first_break()) {
    std::cout << "sink " << walker.sink_id() << ": BROKEN at sequence " << broken->sequence
              << " (event_id " << (broken->event_id.empty() ? "unknown" : broken->event_id)
              << ", table " << broken->source << "): " << broken->reason << "\n";
    return;
  }
  std::cout << "sink " << walker.sink_id() << ": intact, sequences " << walker.first_sequence()
            << " to " << walker.last_sequence() << " (" << walker.rows() << " rows), head row_hash "
            << audit::to_hex(walker.head_hash()) << "\n";
}

}  // namespace

int run_verify(const command_line& command) {
  pqxx::connection connection(command.database_url);
  connection.set_client_encoding("UTF8");
  // One snapshot for every query, so rows committed meanwhile do not look like gaps.
  pqxx::work tx(connection, "memgovctl_verify");
  tx.exec("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY");
  tx.exec("SET LOCAL extra_float_digits = 3");
  verify_policy policy;
  policy.retention_boundary_us = retention_boundary(tx);

  progress_meter progress("verify");
  std::size_t broken = 0;
  std::vector<std::string> sinks = sink_ids(tx);
  for (const std::string& sink_id : sinks) {
    chain_walker walker(sink_id, policy);
    walk_sink(tx, walker, progress);
    print_result(walker);
    broken += walker.first_break() ? 1 : 0;
  }
  tx.commit();
  std::cout << "verify: " << sinks.size() - broken << " of " << sinks.size() << " chains intact, "
            << progress.rows() << " rows checked" << std::endl;
  return broken == 0 ? 0 : 1;
}

}  // namespace memgov::ctl
