// The SQL of memgovctl's reports: the compliance queries of the audit guide, with their
// "last 30 days" condition replaced by an explicit range and an optional tenant, and a
// tie-breaker appended to each ORDER BY so that the output order is deterministic.
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
