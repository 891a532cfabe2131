// Reading chain rows back from the audit tables: the SQL that selects a sink's rows in
// sequence order, and the rebuilding of each row's canonical bytes from its column values.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "ctl/chain_verifier.hpp"
#include "record/record_schema.hpp"

namespace memgov::ctl {

enum class chain_source { event, outcome, link };

const char* table_of(chain_source source);

// SELECT of one sink's rows of `source`, ordered by sequence; `quoted_sink_id` is an SQL
// literal. The columns are what make_chain_row() expects.
std::string chain_query(chain_source source, const std::string& quoted_sink_id);

// Builds a chain_row from one result row of chain_query(), as text values (nullopt for
// NULL), for sink `sink_id`.
chain_row make_chain_row(chain_source source, const std::string& sink_id,
                         const std::vector<std::optional<std::string>>& values);

// SQL expression: microseconds since the Unix epoch of a timestamptz expression, exact also
// where extract(epoch) returns a double (PostgreSQL before 14).
std::string unix_us_expression(const std::string& timestamp);

}  // namespace memgov::ctl
