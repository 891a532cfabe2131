// Prometheus metrics of the ingress stage. Calls to the other stages are counted by
// transport::stage_client itself.
#pragma once

#include <cstddef>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <string_view>
#include <tuple>
#include <utility>

#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

namespace memgov::ingress {

class ingress_metrics {
 public:
  // `tenant_label_limit` tenants get a label value of their own in
  // memgov_ingress_tenant_requests_total, the first ones seen; later tenants share "other".
  explicit ingress_metrics(prometheus::Registry& registry, std::size_t tenant_label_limit = 100);

  // Counts one finished request in memgov_ingress_requests_total{route,action,decision,status}
  // and observes its end-to-end time in memgov_ingress_request_seconds{route}. Thread-safe.
  void record_request(std::string_view route, std::string_view action, std::string_view decision,
                      int status, double seconds);

  // Counts one governed request in memgov_ingress_tenant_requests_total{tenant,decision}.
  // Thread-safe.
  void record_tenant_request(std::string_view tenant, std::string_view decision);

  // Log lines of the access log dropped because its buffer was full.
  prometheus::Counter& access_log_dropped() { return *access_log_dropped_; }

  // Counts a request rejected before it could be classified (unreadable, too large, ...).
  void record_http_error(std::string_view kind);

  prometheus::Gauge& open_connections() { return *open_connections_; }
  prometheus::Counter& rejected_connections() { return *rejected_connections_; }

  prometheus::Histogram& upstream_seconds() { return *upstream_seconds_; }
  prometheus::Counter& upstream_error(std::string_view kind);
  prometheus::Counter& upstream_retries() { return *upstream_retries_; }
  prometheus::Gauge& upstream_connections_open() { return *upstream_open_; }
  prometheus::Gauge& upstream_waiting() { return *upstream_waiting_; }

  // Audit events that were not stored durably, by the decision they recorded.
  prometheus::Counter& audit_failure(std::string_view decision);
  // Audit outcomes (final status of forwarded requests) not acknowledged as durable.
  prometheus::Counter& audit_outcome_failures() { return *audit_outcome_failures_; }
  // Reads forwarded without an audit row because ingress.audit_fail_open_reads is on.
  prometheus::Counter& audit_fail_open_reads() { return *audit_fail_open_reads_; }
  // Ownership records of new memories that the authz stage did not confirm.
  prometheus::Counter& ownership_failures() { return *ownership_failures_; }
  // Records removed from list and search responses because they belong to another tenant or
  // to none.
  prometheus::Counter& removed_records() { return *removed_records_; }

 private:
  using request_key = std::tuple<std::string, std::string, std::string, int>;

  std::mutex mutex_;  // Guards the caches below; prometheus-cpp's Add() takes its own lock too.
  prometheus::Family<prometheus::Counter>* requests_;
  prometheus::Family<prometheus::Histogram>* request_seconds_;
  prometheus::Family<prometheus::Counter>* http_errors_;
  prometheus::Family<prometheus::Counter>* upstream_errors_;
  prometheus::Family<prometheus::Counter>* audit_failures_;
  std::map<request_key, prometheus::Counter*, std::less<>> request_counters_;
  std::map<std::string, prometheus::Histogram*, std::less<>> request_histograms_;
  std::map<std::string, prometheus::Counter*, std::less<>> http_error_counters_;
  std::map<std::string, prometheus::Counter*, std::less<>> upstream_error_counters_;
  std::map<std::string, prometheus::Counter*, std::less<>> audit_failure_counters_;
  prometheus::Family<prometheus::Counter>* tenant_requests_;
  const std::size_t tenant_label_limit_;
  std::set<std::string, std::less<>> labelled_tenants_;  // At most tenant_label_limit_.
  std::map<std::pair<std::string, std::string>, prometheus::Counter*, std::less<>> tenant_counters_;
  prometheus::Counter* access_log_dropped_;

  prometheus::Gauge* open_connections_;
  prometheus::Counter* rejected_connections_;
  prometheus::Histogram* upstream_seconds_;
  prometheus::Counter* upstream_retries_;
  prometheus::Gauge* upstream_open_;
  prometheus::Gauge* upstream_waiting_;
  prometheus::Counter* ownership_failures_;
  prometheus::Counter* removed_records_;
  prometheus::Counter* audit_outcome_failures_;
  prometheus::Counter* audit_fail_open_reads_;
};

}  // namespace memgov::ingress
