#include "ingress_metrics.hpp"

namespace memgov::ingress {
namespace {

const prometheus::Histogram::BucketBoundaries& latency_buckets() {
  static const prometheus::Histogram::BucketBoundaries buckets{
      0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30};
  return buckets;
}

// Returns the child of `family` labelled `label`=`value`, caching it in `cache`. The caller holds
// the cache's mutex.
template <class Metric>
Metric& cached_child(std::map<std::string, Metric*, std::less<>>& cache,
                     prometheus::Family<Metric>& family, const std::string& label,
                     std::string_view value) {
  auto found = cache.find(value);
  if (found != cache.end())
    return *found->second;
  Metric& child = family.Add({{label, std::string(value)}});
  cache.emplace(std::string(value), &child);
  return child;
}

}  // namespace

ingress_metrics::ingress_metrics(prometheus::Registry& registry, std::size_t tenant_label_limit)
    : tenant_label_limit_(tenant_label_limit) {
  tenant_requests_ =
      &prometheus::BuildCounter()
           .Name("memgov_ingress_tenant_requests_total")
           .Help(
               "Governed requests by tenant and decision; tenants past the label limit are "
               "counted as tenant=\"other\"")
           .Register(registry);
  access_log_dropped_ = &prometheus::BuildCounter()
                             .Name("memgov_ingress_access_log_dropped_total")
                             .Help("Access log lines dropped because the log buffer was full")
                             .Register(registry)
                             .Add({});
  requests_ = &prometheus::BuildCounter()
                   .Name("memgov_ingress_requests_total")
                   .Help("Requests answered by the gateway, by route, action, decision and status")
                   .Register(registry);
  request_seconds_ = &prometheus::BuildHistogram()
                          .Name("memgov_ingress_request_seconds")
                          .Help("Time from receiving a request to having its response ready")
                          .Register(registry);
  http_errors_ = &prometheus::BuildCounter()
                      .Name("memgov_ingress_http_errors_total")
                      .Help("Requests rejected before classification, by kind")
                      .Register(registry);
  upstream_errors_ = &prometheus::BuildCounter()
                          .Name("memgov_ingress_upstream_errors_total")
                          .Help("Mem0 exchanges that failed, by kind")
                          .Register(registry);
  audit_failures_ = &prometheus::BuildCounter()
                         .Name("memgov_ingress_audit_failures_total")
                         .Help("Audit events not acknowledged as durable, by decision")
                         .Register(registry);
  open_connections_ = &prometheus::BuildGauge()
                           .Name("memgov_ingress_open_connections")
                           .Help("Client connections open")
                           .Register(registry)
                           .Add({});
  rejected_connections_ = &prometheus::BuildCounter()
                               .Name("memgov_ingress_rejected_connections_total")
                               .Help("Client connections closed at accept: max_connections reached")
                               .Register(registry)
                               .Add({});
  upstream_seconds_ = &prometheus::BuildHistogram()
                           .Name("memgov_ingress_upstream_seconds")
                           .Help("Time of one Mem0 exchange, waiting for a connection included")
                           .Register(registry)
                           .Add({}, latency_buckets());
  upstream_retries_ = &prometheus::BuildCounter()
                           .Name("memgov_ingress_upstream_retries_total")
                           .Help("Idempotent requests sent again after a reused connection failed")
                           .Register(registry)
                           .Add({});
  upstream_open_ = &prometheus::BuildGauge()
                        .Name("memgov_ingress_upstream_connections")
                        .Help("Connections to Mem0 open, busy or idle")
                        .Register(registry)
                        .Add({});
  upstream_waiting_ = &prometheus::BuildGauge()
                           .Name("memgov_ingress_upstream_waiting")
                           .Help("Requests waiting for a free Mem0 connection")
                           .Register(registry)
                           .Add({});
  audit_outcome_failures_ = &prometheus::BuildCounter()
                                 .Name("memgov_ingress_audit_outcome_failures_total")
                                 .Help("Audit outcomes of forwarded requests not stored durably")
                                 .Register(registry)
                                 .Add({});
  audit_fail_open_reads_ = &prometheus::BuildCounter()
                                .Name("memgov_ingress_audit_fail_open_reads_total")
                                .Help("Reads forwarded to Mem0 although their audit event failed")
                                .Register(registry)
                                .Add({});
  ownership_failures_ = &prometheus::BuildCounter()
                             .Name("memgov_ingress_ownership_record_failures_total")
                             .Help("New memories whose owner the authz stage did not confirm")
                             .Register(registry)
                             .Add({});
  removed_records_ = &prometheus::BuildCounter()
                          .Name("memgov_ingress_removed_records_total")
                          .Help("Foreign records removed from list and search responses")
                          .Register(registry)
                          .Add({});
}

void ingress_metrics::record_request(std::string_view route, std::string_view action,
                                     std::string_view decision, int status, double seconds) {
  prometheus::Counter* counter = nullptr;
  prometheus::Histogram* histogram = nullptr;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    auto key = std::make_tuple(route, action, decision, status);
    auto found = request_counters_.find(key);
    if (found != request_counters_.end()) {
      counter = found->second;
    } else {
      counter = &requests_->Add({{"route", std::string(route)},
                                 {"action", std::string(action)},
                                 {"decision", std::string(decision)},
                                 {"status", std::to_string(status)}});
      request_counters_.emplace(
          request_key(std::string(route), std::string(action), std::string(decision), status),
          counter);
    }
    auto found_histogram = request_histograms_.find(route);
    if (found_histogram != request_histograms_.end()) {
      histogram = found_histogram->second;
    } else {
      histogram = &request_seconds_->Add({{"route", std::string(route)}}, latency_buckets());
      request_histograms_.emplace(std::string(route), histogram);
    }
  }
  counter->Increment();
  histogram->Observe(seconds);
}

void ingress_metrics::record_tenant_request(std::string_view tenant, std::string_view decision) {
  prometheus::Counter* counter = nullptr;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    std::string_view label = "other";
    if (tenant.empty()) {
      label = "none";  // Rejected before the identity headers were read.
    } else if (labelled_tenants_.find(tenant) != labelled_tenants_.end()) {
      label = tenant;
    } else if (labelled_tenants_.size() < tenant_label_limit_) {
      label = *labelled_tenants_.emplace(tenant).first;
    }
    auto key = std::make_pair(std::string(label), std::string(decision));
    auto found = tenant_counters_.find(key);
    if (found != tenant_counters_.end()) {
      counter = found->second;
    } else {
      counter = &tenant_requests_->Add({{"tenant", key.first}, {"decision", key.second}});
      tenant_counters_.emplace(std::move(key), counter);
    }
  }
  counter->Increment();
}

void ingress_metrics::record_http_error(std::string_view kind) {
  prometheus::Counter* counter = nullptr;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    counter = &cached_child(http_error_counters_, *http_errors_, "kind", kind);
  }
  counter->Increment();
}

prometheus::Counter& ingress_metrics::upstream_error(std::string_view kind) {
  std::lock_guard<std::mutex> lock(mutex_);
  return cached_child(upstream_error_counters_, *upstream_errors_, "kind", kind);
}

prometheus::Counter& ingress_metrics::audit_failure(std::string_view decision) {
  std::lock_guard<std::mutex> lock(mutex_);
  return cached_child(audit_failure_counters_, *audit_failures_, "decision", decision);
}

}  // namespace memgov::ingress
