#include "ownership_registry.hpp"

#include <pqxx/pqxx>

#include "log/logger.hpp"

namespace memgov::authz {
namespace {

// Wait between two connection attempts after a failure; calls in between fail
// at once with the last error.
constexpr std::chrono::milliseconds kReconnectDelay{1000};

// Key of the advisory lock that serializes migrations of concurrent replicas.
constexpr long long kMigrationLockKey = 0x6d656d676f763031;  // "memgov01"

const log::logger& registry_log() {
  static const log::logger logger("ownership_registry");
  return logger;
}

struct key_arrays {
  std::string kinds;
  std::string ids;
};

key_arrays to_arrays(const std::vector<subject_key>& subjects) {
  std::vector<std::string> kinds;
  std::vector<std::string> ids;
  for (const subject_key& subject : subjects) {
    kinds.push_back(subject.kind);
    ids.push_back(subject.id);
  }
  return {text_array_literal(kinds), text_array_literal(ids)};
}

owner_map to_owners(const pqxx::result& rows) {
  owner_map owners;
  for (const auto& row : rows) {
    owners[subject_key{row[0].c_str(), row[1].c_str()}] = row[2].c_str();
  }
  return owners;
}

// claimed_at as RFC 3339 in UTC with microseconds, e.g. 2026-12-04T18:20:00.123456Z.
constexpr const char* kClaimedAtText =
    "to_char(claimed_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"')";

// libpq messages span several lines; a reason and a log field read better as one.
std::string one_line(const std::string& text) {
  std::string line;
  bool blank = false;
  for (char c : text) {
    if (c == '\n' || c == '\r' || c == '\t' || c == ' ') {
      blank = true;
      continue;
    }
    if (blank && !line.empty())
      line += ' ';
    blank = false;
    line += c;
  }
  return line;
}

}  // namespace

std::string with_connection_defaults(const std::string& database_url) {
  bool is_url =
      database_url.rfind("postgresql://", 0) == 0 || database_url.rfind("postgres://", 0) == 0;
  std::string result = database_url;
  auto add = [&](const std::string& key, const std::string& value) {
    if (database_url.find(key + "=") != std::string::npos)
      return;
    if (is_url) {
      result += result.find('?') == std::string::npos ? "?" : "&";
      result += key + "=" + value;
    } else {
      result += " " + key + "=" + value;
    }
  };
  // libpq's smallest effective connect timeout is 2 seconds.
  add("connect_timeout", "2");
  add("application_name", "memgov-authz");
  return result;
}

std::string text_array_literal(const std::vector<std::string>& values) {
  std::string literal = "{";
  for (std::size_t i = 0; i < values.size(); ++i) {
    if (i > 0)
      literal += ',';
    literal += '"';
    for (char c : values[i]) {
      if (c == '"' || c == '\\')
        literal += '\\';
      literal += c;
    }
    literal += '"';
  }
  literal += '}';
  return literal;
}

ownership_registry::ownership_registry(std::string database_url,
                                       std::chrono::milliseconds statement_timeout)
    : conninfo_(with_connection_defaults(database_url)), statement_timeout_(statement_timeout) {}

ownership_registry::~ownership_registry() = default;

void ownership_registry::disconnect() {
  connection_.reset();
}

std::string ownership_registry::ensure_connected() {
  if (connection_)
    return "";
  auto now = std::chrono::steady_clock::now();
  if (now < next_attempt_)
    return last_connect_error_;
  try {
    connection_ = std::make_unique<pqxx::connection>(conninfo_);
    pqxx::nontransaction setup(*connection_);
    setup.exec0("SET statement_timeout = " + std::to_string(statement_timeout_.count()));
    setup.commit();
    migrate();
    connection_->prepare("lookup",
                         "SELECT o.kind, o.id, o.tenant FROM subject_owner o "
                         "JOIN unnest($1::text[], $2::text[]) AS s(kind, id) "
                         "ON o.kind = s.kind AND o.id = s.id");
    connection_->prepare("insert",
                         "INSERT INTO subject_owner (kind, id, tenant) "
                         "SELECT s.kind, s.id, $3 "
                         "FROM unnest($1::text[], $2::text[]) WITH ORDINALITY AS s(kind, id, n) "
                         "ORDER BY s.n "
                         "ON CONFLICT (kind, id) DO NOTHING");
    registry_log().info("connected to the ownership registry",
                        {{"schema_version", std::to_string(kSchemaVersion)}});
    last_connect_error_.clear();
    return "";
  } catch (const std::exception& e) {
    connection_.reset();
    next_attempt_ = now + kReconnectDelay;
    last_connect_error_ = "connection failed: " + one_line(e.what());
    return last_connect_error_;
  }
}

void ownership_registry::migrate() {
  pqxx::work tx(*connection_);
  tx.exec_params("SELECT pg_advisory_xact_lock($1)", kMigrationLockKey);
  tx.exec0(
      "CREATE TABLE IF NOT EXISTS authz_schema_version ("
      " version integer PRIMARY KEY,"
      " applied_at timestamptz NOT NULL DEFAULT now())");
  int current = tx.exec1("SELECT COALESCE(max(version), 0) FROM authz_schema_version")[0].as<int>();
  if (current < 1) {
    // Version 1: one row per owned subject. Rows are only ever inserted, which
    // is what lets the stage cache owners without expiry.
    tx.exec0(
        "CREATE TABLE IF NOT EXISTS subject_owner ("
        " kind text NOT NULL CHECK (kind IN ('user_id', 'agent_id', 'run_id', 'memory_id')),"
        " id text NOT NULL,"
        " tenant text NOT NULL CHECK (tenant <> ''),"
        " claimed_at timestamptz NOT NULL DEFAULT now(),"
        " PRIMARY KEY (kind, id))");
    tx.exec0("INSERT INTO authz_schema_version (version) VALUES (1)");
    registry_log().info("migrated the ownership registry", {{"schema_version", "1"}});
  } else if (current > kSchemaVersion) {
    registry_log().warning_limited("schema_newer",
                                   "the ownership registry schema is newer than this binary",
                                   {{"schema_version", std::to_string(current)},
                                    {"expected", std::to_string(kSchemaVersion)}});
  }
  tx.commit();
}

template <class Result, class Body>
Result ownership_registry::run_into(const char* operation, Body body) {
  Result result;
  std::string problem = ensure_connected();
  if (!problem.empty()) {
    result.error = problem;
    return result;
  }
  try {
    body(*connection_, result);
    result.ok = true;
  } catch (const pqxx::broken_connection& e) {
    disconnect();
    result.error = std::string(operation) + " failed, connection lost: " + one_line(e.what());
  } catch (const std::exception& e) {
    // A statement timeout or another SQL error leaves the connection usable
    // once the transaction object has rolled back.
    result.error = std::string(operation) + " failed: " + one_line(e.what());
    if (connection_ && !connection_->is_open())
      disconnect();
  }
  return result;
}

template <class Body>
registry_result ownership_registry::run(const char* operation, Body body) {
  return run_into<registry_result>(operation,
                                   [&](pqxx::connection& connection, registry_result& result) {
                                     result.owners = body(connection);
                                   });
}

registry_result ownership_registry::lookup(const std::vector<subject_key>& subjects) {
  return run("lookup", [&](pqxx::connection& connection) {
    key_arrays arrays = to_arrays(subjects);
    pqxx::nontransaction tx(connection);
    return to_owners(tx.exec_prepared("lookup", arrays.kinds, arrays.ids));
  });
}

registry_result ownership_registry::claim(const std::vector<subject_key>& subjects,
                                          const std::string& tenant) {
  return run("claim", [&](pqxx::connection& connection) {
    key_arrays arrays = to_arrays(subjects);
    owner_map owners;
    bool lost = false;
    {
      pqxx::work tx(connection);
      // Under READ COMMITTED each statement sees rows committed before it
      // started, so the SELECT after the INSERT returns a winner that
      // committed while the INSERT waited on its row.
      tx.exec_prepared("insert", arrays.kinds, arrays.ids, tenant);
      owners = to_owners(tx.exec_prepared("lookup", arrays.kinds, arrays.ids));
      for (const subject_key& subject : subjects) {
        auto owner = owners.find(subject);
        if (owner == owners.end() || owner->second != tenant)
          lost = true;
      }
      if (lost) {
        tx.abort();
      } else {
        tx.commit();
      }
    }
    if (lost) {
      pqxx::nontransaction reread(connection);
      owners = to_owners(reread.exec_prepared("lookup", arrays.kinds, arrays.ids));
    }
    return owners;
  });
}

registry_result ownership_registry::record(const std::vector<subject_key>& subjects,
                                           const std::string& tenant) {
  return run("record", [&](pqxx::connection& connection) {
    key_arrays arrays = to_arrays(subjects);
    pqxx::work tx(connection);
    tx.exec_prepared("insert", arrays.kinds, arrays.ids, tenant);
    owner_map owners = to_owners(tx.exec_prepared("lookup", arrays.kinds, arrays.ids));
    tx.commit();
    return owners;
  });
}

assign_result ownership_registry::assign(const subject_key& subject, const std::string& tenant) {
  return run_into<assign_result>(
      "assign", [&](pqxx::connection& connection, assign_result& result) {
        pqxx::work tx(connection);
        pqxx::result inserted = tx.exec_params(
            "INSERT INTO subject_owner (kind, id, tenant) VALUES ($1, $2, $3) "
            "ON CONFLICT (kind, id) DO NOTHING RETURNING kind",
            subject.kind, subject.id, tenant);
        pqxx::row row = tx.exec_params1("SELECT tenant, " + std::string(kClaimedAtText) +
                                            " FROM subject_owner WHERE kind = $1 AND id = $2",
                                        subject.kind, subject.id);
        tx.commit();
        result.created = !inserted.empty();
        result.owner = row[0].c_str();
        result.claimed_at = row[1].c_str();
      });
}

list_result ownership_registry::list(const std::string& tenant, const std::string& kind,
                                     const std::string& after_kind, const std::string& after_id,
                                     std::size_t limit) {
  return run_into<list_result>("list", [&](pqxx::connection& connection, list_result& result) {
    pqxx::nontransaction tx(connection);
    // One row more than the page, to tell whether another page follows.
    pqxx::result rows = tx.exec_params(
        "SELECT kind, id, " + std::string(kClaimedAtText) +
            " FROM subject_owner "
            "WHERE tenant = $1::text AND kind IN ('user_id', 'agent_id', 'run_id') "
            "AND ($2::text = '' OR kind = $2::text) AND (kind, id) > ($3::text, $4::text) "
            "ORDER BY kind, id LIMIT $5::bigint",
        tenant, kind, after_kind, after_id, static_cast<long long>(limit) + 1);
    for (const auto& row : rows) {
      if (result.rows.size() == limit) {
        result.more = true;
        break;
      }
      result.rows.push_back({row[0].c_str(), row[1].c_str(), row[2].c_str()});
    }
  });
}

registry_result ownership_registry::ping() {
  return run("ping", [](pqxx::connection& connection) {
    pqxx::nontransaction tx(connection);
    tx.exec1("SELECT 1");
    return owner_map{};
  });
}

}  // namespace memgov::authz
