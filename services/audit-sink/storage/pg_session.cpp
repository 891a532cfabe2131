#include "storage/pg_session.hpp"

#include <algorithm>

#include <pqxx/pqxx>

#include "audit_metrics.hpp"
#include "audit_settings.hpp"
#include "record/record_format.hpp"
#include "storage/batch_write.hpp"
#include "storage/partitions.hpp"
#include "storage/schema_migration.hpp"

namespace memgov::audit {
namespace {

bool is_uri(const std::string& text) {
  return text.rfind("postgresql://", 0) == 0 || text.rfind("postgres://", 0) == 0;
}

bool sets_parameter(const std::string& conninfo, const std::string& name) {
  return conninfo.find(name + "=") != std::string::npos ||
         conninfo.find(name + " =") != std::string::npos;
}

}  // namespace

std::string make_conninfo(const pg_session_options& options) {
  std::string conninfo = options.database_url;
  // Allow a little more than the statement timeout, so the server reports a slow statement
  // as a timeout before the client gives up on the socket.
  auto tcp_timeout = options.statement_timeout + std::chrono::seconds(2);
  const std::pair<std::string, std::string> extras[] = {
      {"connect_timeout", std::to_string(options.connect_timeout.count())},
      {"tcp_user_timeout", std::to_string(tcp_timeout.count())},
      {"application_name", "memgov-audit-sink"},
  };
  bool uri = is_uri(conninfo);
  for (const auto& [name, value] : extras) {
    if (sets_parameter(conninfo, name)) {
      continue;
    }
    if (uri) {
      conninfo += conninfo.find('?') == std::string::npos ? "?" : "&";
      conninfo += name + "=" + value;
    } else {
      conninfo += " " + name + "=" + value;
    }
  }
  return conninfo;
}

std::string first_line(const std::string& error) {
  std::string line = error.substr(0, error.find('\n'));
  while (!line.empty() && (line.back() == ' ' || line.back() == '\r')) {
    line.pop_back();
  }
  return line;
}

pg_session::pg_session(pg_session_options options, audit_metrics& metrics)
    : options_(std::move(options)),
      conninfo_(make_conninfo(options_)),
      metrics_(metrics),
      backoff_(options_.reconnect_min) {}

pg_session::~pg_session() = default;

void pg_session::connect() {
  auto started = clock::now();
  try {
    auto fresh = std::make_unique<pqxx::connection>(conninfo_);
    fresh->set_client_encoding("UTF8");
    {
      pqxx::nontransaction tx(*fresh);
      tx.exec("SET statement_timeout = " + std::to_string(options_.statement_timeout.count()));
    }
    int version = migrate_audit_schema(*fresh);
    create_staging_tables(*fresh);
    std::vector<partition_month> months = months_to_prepare(unix_now_us());
    for (const std::string& created :
         ensure_partitions(*fresh, std::set<partition_month>(months.begin(), months.end()))) {
      logger_.info("created audit partition", {{"partition", created}});
    }
    connection_ = std::move(fresh);
    backoff_ = options_.reconnect_min;
    last_success_ = clock::now();
    std::chrono::duration<double, std::milli> took = last_success_ - started;
    logger_.info(
        ever_connected_ ? "reconnected to the audit database" : "connected to the audit database",
        {{"database_url", redact_database_url(options_.database_url)},
         {"schema_version", std::to_string(version)},
         {"connect_ms", std::to_string(took.count())}});
    ever_connected_ = true;
  } catch (const std::exception& e) {
    metrics_.count_database_error("connect");
    last_error_ = first_line(e.what());
    next_attempt_ = clock::now() + backoff_;
    logger_.warning_limited("connect", "cannot connect to the audit database; retrying",
                            {{"database_url", redact_database_url(options_.database_url)},
                             {"error", last_error_},
                             {"retry_in_ms", std::to_string(backoff_.count())}});
    backoff_ = std::min(backoff_ * 2, options_.reconnect_max);
  }
}

pqxx::connection* pg_session::connection() {
  if (!connection_ && clock::now() >= next_attempt_) {
    connect();
  }
  return connection_.get();
}

void pg_session::mark_failed(const std::string& error) {
  last_error_ = first_line(error);
  connection_.reset();
  next_attempt_ = clock::now() + backoff_;
  backoff_ = std::min(backoff_ * 2, options_.reconnect_max);
}

void pg_session::mark_succeeded() {
  last_success_ = clock::now();
}

void pg_session::maintain() {
  if (!connection_) {
    connection();
    return;
  }
  if (clock::now() - last_success_ < options_.ping_interval) {
    return;
  }
  try {
    pqxx::nontransaction tx(*connection_);
    tx.exec("SELECT 1");
    mark_succeeded();
  } catch (const std::exception& e) {
    metrics_.count_database_error("ping");
    logger_.warning_limited("ping", "the audit database stopped answering pings",
                            {{"error", first_line(e.what())}});
    mark_failed(e.what());
  }
}

pg_session::clock::duration pg_session::time_to_maintenance() const {
  clock::time_point due = connection_ ? last_success_ + options_.ping_interval : next_attempt_;
  return std::max<clock::duration>(due - clock::now(), clock::duration::zero());
}

}  // namespace memgov::audit
