#include "metrics/readiness.hpp"

#include "log/logger.hpp"

namespace memgov::metrics {

readiness_report evaluate_readiness(const std::string& stage,
                                    const std::vector<readiness_check>& checks) {
  readiness_report report;
  report.ready = !checks.empty();
  std::string checks_json = "{";
  for (const readiness_check& check : checks) {
    check_state state = check.probe();
    if (check.required && !state.up) {
      report.ready = false;
    }
    if (checks_json.size() > 1) {
      checks_json += ',';
    }
    checks_json += '"';
    log::append_json_escaped(checks_json, check.name);
    checks_json += "\":{\"state\":\"";
    checks_json += state.up ? "up" : "down";
    checks_json += "\",\"required\":";
    checks_json += check.required ? "true" : "false";
    if (!state.detail.empty()) {
      checks_json += ",\"detail\":\"";
      log::append_json_escaped(checks_json, state.detail);
      checks_json += '"';
    }
    checks_json += '}';
  }
  checks_json += '}';

  const char* status = report.ready ? "ready" : (checks.empty() ? "starting" : "not_ready");
  report.body = "{\"status\":\"";
  report.body += status;
  report.body += "\",\"stage\":\"";
  log::append_json_escaped(report.body, stage);
  report.body += "\",\"checks\":" + checks_json + "}";
  return report;
}

}  // namespace memgov::metrics
