// The metrics every actor type of a stage exports: messages processed, processing time and
// mailbox depth, labelled {stage, actor}. CAF 0.17 has no telemetry of its own, so the
// sender increments the depth gauge and the actor decrements it when it takes the message.
#pragma once

#include <string>

#include <prometheus/counter.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

namespace memgov::metrics {

struct actor_metrics {
  actor_metrics(prometheus::Registry& registry, const std::string& stage, const std::string& actor);

  prometheus::Counter& messages;              // memgov_actor_messages_total
  prometheus::Histogram& processing_seconds;  // memgov_actor_processing_seconds
  prometheus::Gauge& mailbox_depth;           // memgov_actor_mailbox_depth
};

}  // namespace memgov::metrics
