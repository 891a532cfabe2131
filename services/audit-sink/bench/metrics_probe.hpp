// Reads one value from a Prometheus text endpoint over plain HTTP/1.0.
#pragma once

#include <optional>
#include <string>

namespace memgov::audit::bench {

// Returns the sum of every sample of metric `name` (all label sets) at http://`address`/metrics,
// where address is "host:port". Returns nullopt when the endpoint does not respond.
std::optional<double> read_metric(const std::string& address, const std::string& name);

}  // namespace memgov::audit::bench
