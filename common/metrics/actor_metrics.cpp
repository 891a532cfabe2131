#include "metrics/actor_metrics.hpp"

namespace memgov::metrics {
namespace {

prometheus::Labels labels_of(const std::string& stage, const std::string& actor) {
  return {{"stage", stage}, {"actor", actor}};
}

prometheus::Histogram::BucketBoundaries processing_buckets() {
  return {1e-6, 5e-6, 1e-5, 5e-5, 1e-4, 5e-4, 1e-3, 5e-3, 0.01, 0.05, 0.1, 0.5, 1, 5};
}

}  // namespace

actor_metrics::actor_metrics(prometheus::Registry& registry, const std::string& stage,
                             const std::string& actor)
    : messages(prometheus::BuildCounter()
                   .Name("memgov_actor_messages_total")
                   .Help("Messages processed by an actor type")
                   .Register(registry)
                   .Add(labels_of(stage, actor))),
      processing_seconds(prometheus::BuildHistogram()
                             .Name("memgov_actor_processing_seconds")
                             .Help("Time an actor type spends on one message, in seconds")
                             .Register(registry)
                             .Add(labels_of(stage, actor), processing_buckets())),
      mailbox_depth(prometheus::BuildGauge()
                        .Name("memgov_actor_mailbox_depth")
                        .Help("Messages sent to an actor type and not yet processed")
                        .Register(registry)
                        .Add(labels_of(stage, actor))) {}

}  // namespace memgov::metrics
