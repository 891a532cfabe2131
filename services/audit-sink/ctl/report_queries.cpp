#include "ctl/report_queries.hpp"

namespace memgov::ctl {

std::string report_query(report_kind kind, const time_range& range,
                         const std::optional<std::string>& tenant,
                         const std::function<std::string(const std::string&)>& quote) {
  std::string where = "timestamp >= " + quote(range.from) + "::timestamptz AND timestamp < " +
                      quote(range.to) + "::timestamptz";
  if (tenant) {
    where += " AND tenant_id = " + quote(*tenant);
  }
  switch (kind) {
    case report_kind::access:
      return "SELECT tenant_id, actor_role, COUNT(*) as total_requests, "
             "SUM(CASE WHEN decision = 'allow' THEN 1 ELSE 0 END) as allowed, "
             "SUM(CASE WHEN decision = 'deny' THEN 1 ELSE 0 END) as denied "
             "FROM mem0_audit_log WHERE " +
             where +
             " GROUP BY tenant_id, actor_role "
             "ORDER BY tenant_id, total_requests DESC, actor_role";
    case report_kind::failed:
      return "SELECT timestamp, actor_id, actor_role, tenant_id, action, resource, decision "
             "FROM mem0_audit_log WHERE decision IN ('deny', 'invalid_request') AND " +
             where + " ORDER BY timestamp DESC, event_id";
    case report_kind::admin:
      return "SELECT timestamp, actor_id, tenant_id, action, resource "
             "FROM mem0_audit_log WHERE actor_role = 'admin' AND " +
             where + " ORDER BY timestamp DESC, event_id";
  }
  return "";
}

}  // namespace memgov::ctl
