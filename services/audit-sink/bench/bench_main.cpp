// memgov-audit-bench: drives audit sinks over ZeroMQ and measures them.
//
//   load         send events and report acknowledgements (also used by the integration tests)
//   await-drain  wait until a sink's PostgreSQL write counter reaches a target; report the rate
//   raw-copy     COPY generated rows straight into mem0_audit_log, as the baseline
//   throughput   load as fast as possible, wait for the drain, then raw-copy as many rows
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <map>
#include <memory>
#include <set>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>
#include <pqxx/pqxx>

#include "bench/event_sender.hpp"
#include "bench/metrics_probe.hpp"
#include "bench/sample_events.hpp"
#include "chain/record_chain.hpp"
#include "record/canonical.hpp"
#include "record/record_format.hpp"
#include "runtime/actor_runtime.hpp"
#include "storage/batch_write.hpp"
#include "storage/partitions.hpp"
#include "storage/schema_migration.hpp"

namespace {

using namespace memgov;
using namespace memgov::audit;
using clock_type = std::chrono::steady_clock;

constexpr const char* kUsage = R"(usage: memgov-audit-bench COMMAND [OPTIONS]

commands:
  load --endpoints E (--count N | --replay FILE) [--in-flight W] [--rate R] [--timeout-ms T]
       [--retries K] [--run-id ID] [--outcomes] [--report FILE]
      Send N events to the sinks at E (tcp://host:port[-last],...), at most W in flight
      (default 1000), R per second (default: as fast as possible). Prints a JSON summary;
      --report writes one tab-separated line per event: request_id, event_id, timestamp
      (microseconds), durable (1/0), reason. --replay sends the events of such a report
      again, with the same ids and timestamps.
  await-drain --metrics HOST:PORT --target N [--timeout-seconds S]
      Wait until memgov_audit_events_written_total of the sink reaches N (default timeout 600).
  raw-copy --database-url URL --count N [--batch B]
      COPY N generated rows into mem0_audit_log in batches of B (default 10000).
  throughput --endpoints E --metrics HOST:PORT --database-url URL --count N [--in-flight W]
             [--batch B]
      Run load as fast as possible, wait for the sink to drain it, then raw-copy N rows.
)";

[[noreturn]] void usage_error(const std::string& problem) {
  std::cerr << "memgov-audit-bench: " << problem << "\n\n" << kUsage;
  std::exit(2);
}

struct arguments {
  std::string command;
  std::map<std::string, std::string> values;
  std::set<std::string> flags;

  std::string text(const std::string& name) const {
    auto it = values.find(name);
    if (it == values.end()) {
      usage_error("--" + name + " is required for " + command);
    }
    return it->second;
  }

  std::string text_or(const std::string& name, const std::string& fallback) const {
    auto it = values.find(name);
    return it == values.end() ? fallback : it->second;
  }

  double number_or(const std::string& name, double fallback) const {
    auto it = values.find(name);
    if (it == values.end()) {
      return fallback;
    }
    char* end = nullptr;
    double value = std::strtod(it->second.c_str(), &end);
    if (end == it->second.c_str() || *end != '\0' || value < 0) {
      usage_error("--" + name + " must be a non-negative number, not '" + it->second + "'");
    }
    return value;
  }

  double number(const std::string& name) const {
    text(name);
    return number_or(name, 0);
  }
};

arguments parse_arguments(int argc, char** argv) {
  static const std::set<std::string> flag_names = {"outcomes"};
  if (argc < 2) {
    usage_error("missing command");
  }
  arguments parsed;
  parsed.command = argv[1];
  for (int i = 2; i < argc; ++i) {
    std::string word = argv[i];
    if (word.rfind("--", 0) != 0) {
      usage_error("unexpected argument '" + word + "'");
    }
    std::string name = word.substr(2);
    if (flag_names.count(name) != 0) {
      parsed.flags.insert(name);
      continue;
    }
    if (i + 1 >= argc) {
      usage_error(word + " needs a value");
    }
    parsed.values[name] = argv[++i];
  }
  return parsed;
}

nlohmann::json summarize(const bench::send_report& report) {
  std::vector<double> latencies;
  std::map<std::string, std::uint64_t> reasons;
  for (const bench::sent_event& event : report.events) {
    if (event.durable) {
      latencies.push_back(event.latency_ms);
    } else {
      ++reasons[event.reason.substr(0, event.reason.find(':'))];
    }
  }
  nlohmann::json summary;
  summary["sent"] = report.events.size();
  summary["durable"] = report.durable;
  summary["not_durable"] = report.events.size() - report.durable;
  summary["outcomes_durable"] = report.outcomes_durable;
  summary["seconds"] = report.seconds;
  summary["events_per_second"] =
      report.seconds > 0 ? static_cast<double>(report.events.size()) / report.seconds : 0;
  summary["ack_p50_ms"] = bench::percentile(latencies, 50);
  summary["ack_p99_ms"] = bench::percentile(latencies, 99);
  summary["ack_max_ms"] = bench::percentile(latencies, 100);
  summary["reasons"] = reasons;
  return summary;
}

std::vector<bench::sent_event> read_report(const std::string& path) {
  std::ifstream in(path);
  if (!in) {
    usage_error("cannot read --replay file " + path);
  }
  std::vector<bench::sent_event> events;
  std::string line;
  while (std::getline(in, line)) {
    std::vector<std::string> columns;
    std::size_t start = 0;
    for (std::size_t tab; (tab = line.find('\t', start)) != std::string::npos; start = tab + 1) {
      columns.push_back(line.substr(start, tab - start));
    }
    columns.push_back(line.substr(start));
    if (columns.size() < 3) {
      usage_error("--replay file " + path + " has a line without request_id, event_id, timestamp");
    }
    bench::sent_event event;
    event.request_id = columns[0];
    event.event_id = columns[1];
    event.timestamp_unix_us = std::strtoll(columns[2].c_str(), nullptr, 10);
    events.push_back(std::move(event));
  }
  return events;
}

bench::send_report run_load(const arguments& args, bool fastest) {
  bench::send_options options;
  options.endpoints = args.text("endpoints");
  std::string replay_path = args.text_or("replay", "");
  if (replay_path.empty()) {
    options.count = static_cast<std::uint64_t>(args.number("count"));
  } else {
    options.replay = read_report(replay_path);
  }
  options.in_flight = static_cast<std::size_t>(args.number_or("in-flight", 1000));
  if (options.in_flight == 0) {
    usage_error("--in-flight must be at least 1");
  }
  options.rate = fastest ? 0 : args.number_or("rate", 0);
  options.timeout =
      std::chrono::milliseconds(static_cast<std::int64_t>(args.number_or("timeout-ms", 5000)));
  options.retries = static_cast<int>(args.number_or("retries", 0));
  options.run_id = args.text_or("run-id", "bench-" + bench::random_uuid().substr(0, 8));
  options.with_outcomes = args.flags.count("outcomes") != 0;
  runtime::actor_runtime runtime(2);
  return bench::send_events(runtime.system(), options);
}

int command_load(const arguments& args) {
  bench::send_report report = run_load(args, false);
  std::string report_path = args.text_or("report", "");
  if (!report_path.empty()) {
    std::ofstream out(report_path);
    for (const bench::sent_event& event : report.events) {
      out << event.request_id << '\t' << event.event_id << '\t' << event.timestamp_unix_us << '\t'
          << (event.durable ? 1 : 0) << '\t' << event.reason << '\n';
    }
    if (!out) {
      std::cerr << "memgov-audit-bench: cannot write " << report_path << "\n";
      return 1;
    }
  }
  std::cout << summarize(report).dump() << std::endl;
  return 0;
}

// Polls the sink's written counter; returns seconds until it reached `target` (negative on
// timeout) and the counter's value when polling started.
std::pair<double, double> await_drain(const std::string& metrics, double target,
                                      double timeout_seconds) {
  auto started = clock_type::now();
  double first = -1;
  while (true) {
    std::optional<double> written =
        bench::read_metric(metrics, "memgov_audit_events_written_total");
    double elapsed = std::chrono::duration<double>(clock_type::now() - started).count();
    if (written && first < 0) {
      first = *written;
    }
    if (written && *written >= target) {
      return {elapsed, first};
    }
    if (elapsed > timeout_seconds) {
      return {-1, first};
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

int command_await_drain(const arguments& args) {
  double target = args.number("target");
  auto [seconds, first] =
      await_drain(args.text("metrics"), target, args.number_or("timeout-seconds", 600));
  nlohmann::json result;
  result["target"] = target;
  result["written_at_start"] = first;
  result["seconds"] = seconds;
  result["events_per_second"] = seconds > 0 ? (target - first) / seconds : 0;
  std::cout << result.dump() << std::endl;
  return seconds < 0 ? 1 : 0;
}

// COPYs `count` generated rows (chained like a sink's, under a sink id of their own) and
// returns the rows per second.
double raw_copy(const std::string& database_url, std::uint64_t count, std::size_t batch) {
  pqxx::connection connection(database_url);
  migrate_audit_schema(connection);
  std::vector<partition_month> months = months_to_prepare(unix_now_us());
  ensure_partitions(connection, std::set<partition_month>(months.begin(), months.end()));

  std::string sink_id = "bench-raw-" + bench::random_uuid().substr(0, 8);
  std::string run_id = "raw-" + bench::random_uuid().substr(0, 8);
  chain_position position;
  std::vector<std::vector<stored_record>> batches;
  for (std::uint64_t i = 0; i < count; i += batch) {
    std::vector<stored_record> records;
    for (std::uint64_t k = i; k < std::min<std::uint64_t>(count, i + batch); ++k) {
      linked_record linked = link_record(position, sink_id, record_kind::event,
                                         encode_canonical_prefix(bench::sample_event(run_id, k)));
      stored_record record;
      record.kind = record_kind::event;
      record.prev_hash = linked.prev_hash;
      record.row_hash = linked.row_hash;
      record.canonical = std::move(linked.canonical);
      records.push_back(std::move(record));
    }
    batches.push_back(std::move(records));
  }
  auto started = clock_type::now();
  for (const auto& records : batches) {
    write_direct(connection, records);
  }
  double seconds = std::chrono::duration<double>(clock_type::now() - started).count();
  return static_cast<double>(count) / seconds;
}

int command_raw_copy(const arguments& args) {
  auto count = static_cast<std::uint64_t>(args.number("count"));
  auto batch = static_cast<std::size_t>(args.number_or("batch", 10000));
  nlohmann::json result;
  result["rows"] = count;
  result["rows_per_second"] =
      raw_copy(args.text("database-url"), count, std::max<std::size_t>(batch, 1));
  std::cout << result.dump() << std::endl;
  return 0;
}

// Waits until the sink has no backlog, so that a measurement does not count earlier events.
bool await_empty_backlog(const std::string& metrics) {
  auto deadline = clock_type::now() + std::chrono::seconds(120);
  while (clock_type::now() < deadline) {
    std::optional<double> backlog = bench::read_metric(metrics, "memgov_audit_log_backlog_events");
    if (backlog && *backlog == 0) {
      return true;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return false;
}

int command_throughput(const arguments& args) {
  std::string metrics = args.text("metrics");
  if (!await_empty_backlog(metrics)) {
    std::cerr << "memgov-audit-bench: the sink at " << metrics << " did not drain its backlog\n";
    return 1;
  }
  std::optional<double> before = bench::read_metric(metrics, "memgov_audit_events_written_total");
  if (!before) {
    std::cerr << "memgov-audit-bench: no metrics at " << metrics << "\n";
    return 1;
  }
  auto started = clock_type::now();
  bench::send_report report = run_load(args, true);
  auto [drain_seconds, first] =
      await_drain(metrics, *before + static_cast<double>(report.durable), 600);
  double total = std::chrono::duration<double>(clock_type::now() - started).count();
  double raw = raw_copy(args.text("database-url"), report.events.size(),
                        static_cast<std::size_t>(args.number_or("batch", 10000)));
  nlohmann::json result = summarize(report);
  result["sink_events_per_second_into_postgresql"] =
      drain_seconds < 0 ? 0.0 : static_cast<double>(report.durable) / total;
  result["raw_copy_rows_per_second"] = raw;
  result["ratio"] = drain_seconds < 0
                        ? 0.0
                        : result["sink_events_per_second_into_postgresql"].get<double>() / raw;
  std::cout << result.dump() << std::endl;
  return drain_seconds < 0 ? 1 : 0;
}

}  // namespace

int main(int argc, char** argv) {
  arguments args = parse_arguments(argc, argv);
  try {
    if (args.command == "load") {
      return command_load(args);
    }
    if (args.command == "await-drain") {
      return command_await_drain(args);
    }
    if (args.command == "raw-copy") {
      return command_raw_copy(args);
    }
    if (args.command == "throughput") {
      return command_throughput(args);
    }
  } catch (const std::exception& e) {
    std::cerr << "memgov-audit-bench: " << e.what() << "\n";
    return 1;
  }
  usage_error("unknown command '" + args.command + "'");
}
