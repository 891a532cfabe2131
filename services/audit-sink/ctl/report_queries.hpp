// The SQL of memgovctl's reports. Each is a compliance query that operators also run by hand
// on mem0_audit_log (see docs/audit.md). Its "last 30 days" condition is replaced by an
// explicit range and an optional tenant, and a tie-breaker is appended to its ORDER BY so
// that the output order is deterministic.
#pragma once

#include <functional>
#include <optional>
#include <string>

#include "ctl/cli_args.hpp"

namespace memgov::ctl {

// Returns the report's SELECT. `quote` makes an SQL string literal (pqxx quote()).
std::string report_query(report_kind kind, const time_range& range,
                         const std::optional<std::string>& tenant,
                         const std::function<std::string(const std::string&)>& quote);

}  // namespace memgov::ctl
