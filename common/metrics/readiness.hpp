// The checks behind GET /ready of a stage and the JSON body that lists them.
#pragma once

#include <functional>
#include <string>
#include <vector>

namespace memgov::metrics {

// State of one dependency as the stage last saw it.
struct check_state {
  bool up = false;
  std::string detail;  // Human-readable state, e.g. "2 of 4 connections open"; may be empty.
};

struct readiness_check {
  std::string name;  // Key in the body, e.g. "opa" or "database".
  // A failing required check makes the stage not ready (503). A check that is not required
  // is only shown, e.g. PostgreSQL for the audit sink, which buffers while it is down.
  bool required = true;
  // Runs on an HTTP server thread for every probe, so it must only read state the stage
  // keeps anyway (atomics, last results) and never call the dependency itself.
  std::function<check_state()> probe;
};

struct readiness_report {
  bool ready = false;
  std::string body;  // {"status":"ready"|"not_ready","stage":...,"checks":{name:{...}}}
};

// Runs every probe once. With no checks the stage is still starting, so it is not ready.
readiness_report evaluate_readiness(const std::string& stage,
                                    const std::vector<readiness_check>& checks);

}  // namespace memgov::metrics
