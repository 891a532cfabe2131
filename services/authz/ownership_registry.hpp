// The ownership registry in PostgreSQL: which tenant owns each subject.
//
// Blocking (libpqxx): use it only from a detached actor's thread. One
// instance owns one connection, reconnects by itself after a failure and runs
// the schema migration on every new connection.
//
// TODO: statement_timeout is enforced by the server, so a network that
// silently drops packets blocks the calling thread until TCP gives up (the
// decision actors still time out). libpq's tcp_user_timeout or its
// non-blocking API with a poll deadline would bound that too.
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include <pqxx/connection>

#include "ownership_types.hpp"

namespace memgov::authz {

// Schema version that migrate() brings the database to.
inline constexpr int kSchemaVersion = 1;

// Adds connect_timeout and application_name to a libpq URL or keyword
// string, unless it sets them already.
std::string with_connection_defaults(const std::string& database_url);

// Encodes strings as a PostgreSQL text[] literal, e.g. {"a","b\"c"}.
std::string text_array_literal(const std::vector<std::string>& values);

class ownership_registry {
 public:
  // Does not connect yet; the first call does. `statement_timeout` bounds
  // every statement, waits for row locks included.
  ownership_registry(std::string database_url, std::chrono::milliseconds statement_timeout);
  ~ownership_registry();

  // Returns the owners of those of `subjects` that have one.
  registry_result lookup(const std::vector<subject_key>& subjects);

  // Claims all of `subjects` for `tenant` in one transaction, or none of
  // them: each is inserted unless it has an owner, then the owners are read
  // back. When another tenant owns any of them the transaction is rolled
  // back and the result contains the owners as they are without it. Of two
  // tenants racing for a subject exactly one gets it. `subjects` must be in
  // one global order (decision_process sorts them) so that two claims cannot
  // wait on each other's rows in opposite orders.
  registry_result claim(const std::vector<subject_key>& subjects, const std::string& tenant);

  // Records `subjects` as owned by `tenant` unless they have an owner, and
  // returns the owners afterwards.
  registry_result record(const std::vector<subject_key>& subjects, const std::string& tenant);

  // Records `tenant` as the owner of `subject` unless it has one, and returns the owner
  // afterwards. An existing owner is never replaced, because the owner cache of the authz stage
  // keeps entries without expiry.
  assign_result assign(const subject_key& subject, const std::string& tenant);

  // Returns up to `limit` of `tenant`'s subjects ordered by (kind, id), starting after
  // (after_kind, after_id). `kind` selects one kind, or all of user_id, agent_id and run_id when
  // empty. Memory ids are never listed.
  list_result list(const std::string& tenant, const std::string& kind,
                   const std::string& after_kind, const std::string& after_id, std::size_t limit);

  // Connects when needed and runs SELECT 1.
  registry_result ping();

  bool connected() const { return connection_ != nullptr; }

 private:
  // Connects and migrates unless connected. Returns "" or the failure.
  std::string ensure_connected();
  void migrate();
  void disconnect();
  // Runs `body(connection, result)` on a connected registry and fills in ok and error.
  template <class Result, class Body>
  Result run_into(const char* operation, Body body);
  template <class Body>
  registry_result run(const char* operation, Body body);

  std::string conninfo_;
  std::chrono::milliseconds statement_timeout_;
  std::unique_ptr<pqxx::connection> connection_;
  std::chrono::steady_clock::time_point next_attempt_{};
  std::string last_connect_error_;
};

}  // namespace memgov::authz
