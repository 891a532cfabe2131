// memgov-ratelimit-bench: decisions per second and latency of one memgov-ratelimit replica,
// driven over real ZeroMQ with many calls in flight, next to plain Redis round trips measured
// in the same run.
//
// It starts the memgov-ratelimit binary twice as a child process, once per backend (memory,
// then redis), and calls it through transport::stage_client, the client the ingress uses.
// Every check is admitted (the limit is set far above the request count), so each Redis
// check records a member: the expensive path.
//
// Two kinds of load run against each backend. A closed loop keeps N calls in flight and
// shows the peak rate. An open loop sends calls at a fixed rate whatever the replies do, as
// an ingress serving that many requests per second would. It measures each call from the
// time it was due, so a stall counts against every call it delayed.
//
// Usage: memgov-ratelimit-bench --redis-url redis://127.0.0.1:6379/0 [--seconds 5]
//          [--in-flight 256,16,1] [--rate 50000] [--backends memory,redis]
//          [--keys 1000] [--batch 256]
//          [--ratelimit-binary PATH] [--log-dir DIR] [--stage-env NAME=VALUE]...
// services/ratelimit/bench/run_bench.sh starts a Redis server for it.
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <spawn.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <future>
#include <iostream>
#include <map>
#include <random>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include <hiredis/hiredis.h>

#include "log/logger.hpp"
#include "member_source.hpp"
#include "protocol/messages.hpp"
#include "redis_link.hpp"
#include "redis_url.hpp"
#include "runtime/actor_runtime.hpp"
#include "transport/stage_client.hpp"

extern char** environ;

namespace {

using namespace memgov;
using namespace std::chrono_literals;
using clock_type = std::chrono::steady_clock;

struct bench_options {
  std::string redis_url;
  std::string ratelimit_binary;
  std::string log_dir;
  // Extra environment of the stage, e.g. MEMGOV_RATELIMIT_REDIS_CONNECTIONS=1.
  std::map<std::string, std::string> stage_env;
  double seconds = 5;
  std::vector<int> in_flight = {256, 16, 1};
  // Offered rates of the open loop, calls per second.
  std::vector<int> rates = {50000};
  // Backends to start the stage with, in order.
  std::vector<std::string> backends = {"memory", "redis"};
  int keys = 1000;
  int batch = 256;
};

struct measurement {
  std::string name;
  double operations_per_second = 0;
  double p50_us = 0;
  double p99_us = 0;
  double p999_us = 0;
  double max_us = 0;
  std::uint64_t errors = 0;
  std::string note;
};

constexpr const char* kUsage =
    "usage: memgov-ratelimit-bench --redis-url URL [--seconds S] [--in-flight N[,N...]] "
    "[--rate N[,N...]] [--backends memory,redis] [--keys N] [--batch N] "
    "[--ratelimit-binary PATH] [--log-dir DIR] [--stage-env NAME=VALUE]...\n"
    "  --seconds S         length of each measurement after 1 s of warm-up (default 5)\n"
    "  --in-flight N,...   closed loops: calls kept in flight (default 256,16,1)\n"
    "  --rate N,...        open loops: calls sent per second (default 50000)\n"
    "  --backends B,...    stage backends to start, in order (default memory,redis)\n"
    "  --keys N            distinct actors the checks cycle over (default 1000)\n"
    "  --batch N           commands per pipeline of the direct Redis measurements (default 256)\n"
    "  --ratelimit-binary  the memgov-ratelimit to start (default: next to this binary)\n"
    "  --log-dir DIR       where the stage writes its log (default: the temp directory)\n"
    "  --stage-env N=V     extra environment of the stage, e.g. "
    "MEMGOV_RATELIMIT_REDIS_PIPELINE_DEPTH=2\n";

void usage_error(const std::string& message) {
  std::cerr << "memgov-ratelimit-bench: " << message << "\n" << kUsage;
  std::exit(2);
}

// Parses "N[,N...]"; throws std::logic_error on a part that is not a number.
std::vector<int> parse_int_list(const std::string& value) {
  std::vector<int> numbers;
  std::size_t start = 0;
  while (start <= value.size()) {
    std::size_t comma = value.find(',', start);
    numbers.push_back(std::stoi(value.substr(start, comma - start)));
    if (comma == std::string::npos) {
      break;
    }
    start = comma + 1;
  }
  return numbers;
}

bench_options parse_options(int argc, char** argv) {
  bench_options options;
  std::filesystem::path self = std::filesystem::absolute(argv[0]);
  options.ratelimit_binary = (self.parent_path() / "memgov-ratelimit").string();
  options.log_dir = std::filesystem::temp_directory_path().string();
  for (int i = 1; i < argc; ++i) {
    std::string flag = argv[i];
    if (flag == "--help" || flag == "-h") {
      std::cout << kUsage;
      std::exit(0);
    }
    if (i + 1 >= argc) {
      usage_error("missing value after " + flag);
    }
    std::string value = argv[++i];
    try {
      if (flag == "--redis-url") {
        options.redis_url = value;
      } else if (flag == "--ratelimit-binary") {
        options.ratelimit_binary = value;
      } else if (flag == "--log-dir") {
        options.log_dir = value;
      } else if (flag == "--stage-env") {
        std::size_t equals = value.find('=');
        if (equals == std::string::npos || equals == 0) {
          usage_error("--stage-env expects NAME=VALUE, got '" + value + "'");
        }
        options.stage_env[value.substr(0, equals)] = value.substr(equals + 1);
      } else if (flag == "--seconds") {
        options.seconds = std::stod(value);
      } else if (flag == "--in-flight") {
        options.in_flight = parse_int_list(value);
      } else if (flag == "--rate") {
        options.rates = parse_int_list(value);
      } else if (flag == "--backends") {
        options.backends.clear();
        std::size_t start = 0;
        while (start <= value.size()) {
          std::size_t comma = value.find(',', start);
          std::string backend = value.substr(start, comma - start);
          if (backend != "memory" && backend != "redis") {
            usage_error("--backends takes memory and redis, not '" + backend + "'");
          }
          options.backends.push_back(backend);
          if (comma == std::string::npos) {
            break;
          }
          start = comma + 1;
        }
      } else if (flag == "--keys") {
        options.keys = std::stoi(value);
      } else if (flag == "--batch") {
        options.batch = std::stoi(value);
      } else {
        usage_error("unknown option " + flag);
      }
    } catch (const std::logic_error&) {
      usage_error("invalid value '" + value + "' for " + flag);
    }
  }
  if (options.redis_url.empty()) {
    usage_error("--redis-url is required");
  }
  auto not_positive = [](int count) { return count < 1; };
  bool bad_in_flight =
      std::any_of(options.in_flight.begin(), options.in_flight.end(), not_positive);
  bool bad_rate = std::any_of(options.rates.begin(), options.rates.end(), not_positive);
  if (options.seconds <= 0 || bad_in_flight || bad_rate || options.keys < 1 || options.batch < 1) {
    usage_error("--seconds, --in-flight, --rate, --keys and --batch must be positive");
  }
  return options;
}

// Returns the q-quantile (0..1) of `samples` in microseconds; sorts them.
double quantile_us(std::vector<std::int64_t>& samples_ns, double q) {
  if (samples_ns.empty()) {
    return 0;
  }
  std::sort(samples_ns.begin(), samples_ns.end());
  auto index = static_cast<std::size_t>(q * static_cast<double>(samples_ns.size() - 1));
  return static_cast<double>(samples_ns[index]) / 1000.0;
}

// Sets the latency figures of `result` from `samples_ns`, which it sorts.
void set_latencies(measurement& result, std::vector<std::int64_t>& samples_ns) {
  result.p50_us = quantile_us(samples_ns, 0.50);
  result.p99_us = quantile_us(samples_ns, 0.99);
  result.p999_us = quantile_us(samples_ns, 0.999);
  result.max_us = samples_ns.empty() ? 0 : static_cast<double>(samples_ns.back()) / 1000.0;
}

std::int64_t nanoseconds_since(clock_type::time_point start) {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(clock_type::now() - start).count();
}

std::string bench_prefix() {
  return "memgov-bench:" + ratelimit::member_source().prefix();
}

// --- plain Redis round trips ------------------------------------------------------------

// Runs `one_round` (which performs `per_round` operations and returns false on failure)
// for `seconds` and records each round's latency for each of its operations.
template <class Round>
measurement measure_rounds(const std::string& name, double seconds, int per_round,
                           Round one_round) {
  measurement result;
  result.name = name;
  std::vector<std::int64_t> samples;
  auto start = clock_type::now();
  auto end = start + std::chrono::duration_cast<clock_type::duration>(
                         std::chrono::duration<double>(seconds));
  std::uint64_t operations = 0;
  while (clock_type::now() < end) {
    auto round_start = clock_type::now();
    if (!one_round()) {
      ++result.errors;
      break;
    }
    std::int64_t latency = nanoseconds_since(round_start);
    for (int i = 0; i < per_round; ++i) {
      samples.push_back(latency);
    }
    operations += static_cast<std::uint64_t>(per_round);
  }
  double elapsed = std::chrono::duration<double>(clock_type::now() - start).count();
  result.operations_per_second = static_cast<double>(operations) / elapsed;
  set_latencies(result, samples);
  return result;
}

std::vector<measurement> measure_redis(const bench_options& options) {
  ratelimit::redis_endpoint endpoint = ratelimit::parse_redis_url(options.redis_url);
  ratelimit::redis_link link(endpoint, 1000ms, 60s);
  if (std::optional<ratelimit::redis_error> error = link.connect()) {
    throw std::runtime_error("cannot connect to " + endpoint.redacted() + ": " + error->message);
  }
  const double seconds = std::max(options.seconds / 2, 1.0);
  const std::string prefix = bench_prefix() + ":direct:";
  ratelimit::member_source members;
  std::mt19937 random(1);
  std::uniform_int_distribution<int> key_of(0, options.keys - 1);
  std::vector<measurement> results;

  results.push_back(measure_rounds("redis PING, synchronous", seconds, 1, [&] {
    ratelimit::redis_error error;
    return static_cast<bool>(link.command({"PING"}, error));
  }));
  results.push_back(measure_rounds("redis PING, pipelined x" + std::to_string(options.batch),
                                   seconds, options.batch, [&] {
                                     for (int i = 0; i < options.batch; ++i) {
                                       link.append({"PING"});
                                     }
                                     for (int i = 0; i < options.batch; ++i) {
                                       ratelimit::redis_error error;
                                       if (!link.read_reply(error)) {
                                         return false;
                                       }
                                     }
                                     return true;
                                   }));

  auto run_script = [&](int count) {
    std::vector<ratelimit::script_call> calls(static_cast<std::size_t>(count));
    for (ratelimit::script_call& call : calls) {
      call.key = prefix + std::to_string(key_of(random));
      call.limit = 1'000'000;
      call.member = members.next();
    }
    std::vector<ratelimit::script_outcome> outcomes;
    if (link.run_checks(calls, outcomes)) {
      return false;
    }
    return std::all_of(outcomes.begin(), outcomes.end(), [](const auto& outcome) {
      return outcome.status == ratelimit::script_status::ok;
    });
  };
  results.push_back(measure_rounds("redis EVALSHA check script, synchronous", seconds, 1,
                                   [&] { return run_script(1); }));
  // The same checks with one script run per check, then with the stage's checks per run.
  const std::size_t per_run = link.checks_per_script();
  link.set_checks_per_script(1);
  results.push_back(
      measure_rounds("redis EVALSHA, 1 check per run, pipelined x" + std::to_string(options.batch),
                     seconds, options.batch, [&] { return run_script(options.batch); }));
  link.set_checks_per_script(per_run);
  results.push_back(
      measure_rounds("redis EVALSHA, " + std::to_string(per_run) + " checks per run, pipelined x" +
                         std::to_string(options.batch),
                     seconds, options.batch, [&] { return run_script(options.batch); }));
  // Each key now contains a member per admitted check. Left alone, all of them would expire
  // together a window later, during the stage runs, and Redis would free them in one expire
  // cycle of tens of milliseconds (seen in LATENCY LATEST). UNLINK frees them in the
  // background.
  for (int key = 0; key < options.keys; ++key) {
    link.append({"UNLINK", prefix + std::to_string(key)});
  }
  for (int key = 0; key < options.keys; ++key) {
    ratelimit::redis_error error;
    if (!link.read_reply(error)) {
      throw std::runtime_error("UNLINK of the bench keys failed: " + error.message);
    }
  }
  return results;
}

// --- one memgov-ratelimit replica -------------------------------------------------------

// Returns a loopback TCP port that was free a moment ago.
int free_port() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t length = sizeof(address);
  int port = 0;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) == 0 &&
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) == 0) {
    port = ntohs(address.sin_port);
  }
  ::close(fd);
  if (port == 0) {
    throw std::runtime_error("found no free loopback port");
  }
  return port;
}

class stage_process {
 public:
  stage_process(const bench_options& options, const std::string& backend, int port,
                int metrics_port)
      : log_path_(options.log_dir + "/memgov-ratelimit-bench-" + backend + ".log") {
    std::map<std::string, std::string> env;
    for (char** entry = environ; *entry != nullptr; ++entry) {
      std::string text(*entry);
      std::size_t equals = text.find('=');
      std::string name = text.substr(0, equals);
      // The settings of the shell must not change what is measured.
      if (name.rfind("MEMGOV_", 0) != 0 && name != "REDIS_URL") {
        env[name] = text.substr(equals + 1);
      }
    }
    env["MEMGOV_RATELIMIT_BIND"] = "tcp://127.0.0.1:" + std::to_string(port);
    env["MEMGOV_RATELIMIT_METRICS_LISTEN"] = "127.0.0.1:" + std::to_string(metrics_port);
    env["MEMGOV_RATELIMIT_BACKEND"] = backend;
    env["MEMGOV_RATELIMIT_DEFAULT_LIMIT"] = "1000000";
    env["MEMGOV_RATELIMIT_REDIS_KEY_PREFIX"] = bench_prefix() + ":stage:";
    env["MEMGOV_LOG_LEVEL"] = "warning";
    if (backend == "redis") {
      env["REDIS_URL"] = options.redis_url;
    }
    for (const auto& [name, value] : options.stage_env) {
      env[name] = value;
    }
    std::vector<std::string> entries;
    for (const auto& [name, value] : env) {
      entries.push_back(name + "=" + value);
    }
    std::vector<char*> envp;
    for (std::string& entry : entries) {
      envp.push_back(entry.data());
    }
    envp.push_back(nullptr);

    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, STDERR_FILENO, log_path_.c_str(),
                                     O_WRONLY | O_CREAT | O_TRUNC, 0644);
    std::string binary = options.ratelimit_binary;
    char* argv[] = {binary.data(), nullptr};
    int status = posix_spawn(&pid_, binary.c_str(), &actions, nullptr, argv, envp.data());
    posix_spawn_file_actions_destroy(&actions);
    if (status != 0) {
      throw std::runtime_error("cannot start " + binary + ": " + std::strerror(status));
    }
  }

  ~stage_process() {
    ::kill(pid_, SIGTERM);
    int status = 0;
    ::waitpid(pid_, &status, 0);
  }

  bool running() const {
    int status = 0;
    return ::waitpid(pid_, &status, WNOHANG) == 0;
  }

  const std::string& log_path() const { return log_path_; }

 private:
  std::string log_path_;
  pid_t pid_ = -1;
};

// The outcomes of the measured calls of one run. Completions run on the client's socket
// thread only, so the counters need no lock.
struct call_tally {
  std::vector<std::int64_t> samples;  // Latencies in nanoseconds.
  std::uint64_t completed = 0;
  std::uint64_t errors = 0;
  std::uint64_t denied = 0;
  std::string last_error;

  void record(std::int64_t latency_ns, const transport::call_result& result) {
    ++completed;
    samples.push_back(latency_ns);
    if (result.status != transport::call_status::ok) {
      ++errors;
      last_error = result.error;
    } else if (auto reply = result.reply->body_as<protocol::ratelimit_reply>();
               !reply || !reply->allowed) {
      ++denied;
    }
  }
};

// Builds the printed line of a run that measured `tally` for `seconds`. `note` comes first in
// the note column.
measurement summarize(std::string name, call_tally& tally, double seconds, std::string note) {
  measurement result;
  result.name = std::move(name);
  result.operations_per_second = static_cast<double>(tally.completed) / seconds;
  set_latencies(result, tally.samples);
  result.errors = tally.errors;
  result.note = std::move(note);
  auto add = [&](const std::string& part) {
    result.note += (result.note.empty() ? "" : "; ") + part;
  };
  if (tally.denied > 0) {
    add(std::to_string(tally.denied) + " denied");
  }
  if (!tally.last_error.empty()) {
    add("last error: " + tally.last_error);
  }
  return result;
}

// Keeps `in_flight` calls outstanding: each completion issues the next call.
class closed_loop {
 public:
  closed_loop(transport::stage_client& client, int keys) : client_(client), keys_(keys) {}

  void start(int in_flight) {
    for (int i = 0; i < in_flight; ++i) {
      issue();
    }
  }

  void begin_measuring() { measuring_.store(true); }
  void finish() { stopping_.store(true); }
  bool drained() const { return outstanding_.load() == 0; }

  call_tally tally;

 private:
  void issue() {
    ++outstanding_;
    auto started = clock_type::now();
    std::string actor = "actor-" + std::to_string(next_key_++ % keys_);
    client_.call(protocol::message_kind::ratelimit_check,
                 protocol::ratelimit_request{"bench", "bench-tenant", actor, "agent-reader"},
                 [this, started](transport::call_result result) { done(started, result); });
  }

  void done(clock_type::time_point started, const transport::call_result& result) {
    if (measuring_.load(std::memory_order_relaxed)) {
      tally.record(nanoseconds_since(started), result);
    }
    --outstanding_;
    if (!stopping_.load(std::memory_order_relaxed)) {
      issue();
    }
  }

  transport::stage_client& client_;
  int keys_;
  std::uint64_t next_key_ = 0;
  std::atomic<bool> measuring_{false};
  std::atomic<bool> stopping_{false};
  std::atomic<int> outstanding_{0};
};

// Runs the closed loop once with `in_flight` calls outstanding.
measurement run_load(transport::stage_client& client, const bench_options& options,
                     const std::string& backend, int in_flight) {
  closed_loop loop(client, options.keys);
  loop.start(in_flight);
  std::this_thread::sleep_for(1s);  // Warm-up, not measured.
  loop.begin_measuring();
  auto start = clock_type::now();
  std::this_thread::sleep_for(std::chrono::duration<double>(options.seconds));
  loop.finish();
  double elapsed = std::chrono::duration<double>(clock_type::now() - start).count();
  while (!loop.drained()) {
    std::this_thread::sleep_for(10ms);
  }

  return summarize(
      "memgov-ratelimit " + backend + " backend, " + std::to_string(in_flight) + " calls in flight",
      loop.tally, elapsed, "");
}

// Sends calls at a fixed rate from its own thread, whatever the replies do. Each call is
// measured from the time it was due, not from when the sender got to it, so a stall of the
// sender, the stage or Redis counts against every call it delayed (as wrk2 measures).
class open_loop {
 public:
  open_loop(transport::stage_client& client, int keys) : client_(client), keys_(keys) {}

  // Sends `rate` calls per second for `warmup` (not measured) and then `seconds`.
  void run(int rate, clock_type::duration warmup, clock_type::duration seconds) {
    // Linux lets a sleep of this thread overrun by 50 us by default (timer slack), which
    // would make every call of a burst late by that much more.
    ::prctl(PR_SET_TIMERSLACK, 1UL, 0UL, 0UL, 0UL);
    const double interval_ns = 1e9 / rate;
    auto start = clock_type::now();
    auto measure_from = start + warmup;
    auto end = measure_from + seconds;
    std::uint64_t sent = 0;
    while (true) {
      auto now = clock_type::now();
      if (now >= end) {
        break;
      }
      auto due = static_cast<std::uint64_t>(
          std::chrono::duration<double, std::nano>(now - start).count() / interval_ns);
      for (; sent < due; ++sent) {
        auto scheduled = start + std::chrono::nanoseconds(static_cast<std::int64_t>(
                                     static_cast<double>(sent) * interval_ns));
        bool measured = scheduled >= measure_from;
        if (measured) {
          send_lags.push_back(nanoseconds_since(scheduled));
        }
        issue(scheduled, measured);
      }
      // Sleeping less than the interval keeps the bursts small; the scheduled times, not
      // the wake-ups, set the rate.
      std::this_thread::sleep_for(std::chrono::microseconds(50));
    }
  }

  bool drained() const { return outstanding_.load() == 0; }

  // How late the sender issued each measured call, which the latencies include. Written by
  // the sending thread only.
  std::vector<std::int64_t> send_lags;
  call_tally tally;

 private:
  void issue(clock_type::time_point scheduled, bool measured) {
    ++outstanding_;
    std::string actor = "actor-" + std::to_string(next_key_++ % keys_);
    client_.call(protocol::message_kind::ratelimit_check,
                 protocol::ratelimit_request{"bench", "bench-tenant", actor, "agent-reader"},
                 [this, scheduled, measured](transport::call_result result) {
                   if (measured) {
                     tally.record(nanoseconds_since(scheduled), result);
                   }
                   --outstanding_;
                 });
  }

  transport::stage_client& client_;
  int keys_;
  std::uint64_t next_key_ = 0;  // Used by the sending thread only.
  std::atomic<int> outstanding_{0};
};

// Runs the open loop once at `rate` calls per second.
measurement run_rate(transport::stage_client& client, const bench_options& options,
                     const std::string& backend, int rate) {
  open_loop loop(client, options.keys);
  auto seconds = std::chrono::duration_cast<clock_type::duration>(
      std::chrono::duration<double>(options.seconds));
  loop.run(rate, std::chrono::seconds(1), seconds);
  // Calls time out after 2 s, so every call completes within that.
  while (!loop.drained()) {
    std::this_thread::sleep_for(10ms);
  }

  char lag[96];
  std::snprintf(lag, sizeof(lag), "sender late by p50 %.1f us, p99 %.1f us",
                quantile_us(loop.send_lags, 0.50), quantile_us(loop.send_lags, 0.99));
  return summarize(
      "memgov-ratelimit " + backend + " backend, " + std::to_string(rate) + "/s offered",
      loop.tally, std::chrono::duration<double>(seconds).count(), lag);
}

std::vector<measurement> measure_stage(const bench_options& options, const std::string& backend) {
  int port = free_port();
  stage_process process(options, backend, port, free_port());
  runtime::actor_runtime runtime(2);
  transport::client_options client_options;
  client_options.peer_stage = "ratelimit";
  client_options.endpoints = "tcp://127.0.0.1:" + std::to_string(port);
  client_options.timeout = 2000ms;
  client_options.retries = 0;
  client_options.ping_interval = 100ms;
  transport::stage_client client(runtime.system(), client_options, nullptr);

  auto deadline = clock_type::now() + 10s;
  while (client.reachable_peers() == 0) {
    if (!process.running() || clock_type::now() > deadline) {
      client.stop();
      runtime.system().await_all_actors_done();
      throw std::runtime_error("memgov-ratelimit (" + backend + ") did not reply to pings; see " +
                               process.log_path());
    }
    std::this_thread::sleep_for(20ms);
  }

  std::vector<measurement> results;
  for (int in_flight : options.in_flight) {
    results.push_back(run_load(client, options, backend, in_flight));
  }
  for (int rate : options.rates) {
    results.push_back(run_rate(client, options, backend, rate));
  }
  client.stop();
  runtime.system().await_all_actors_done();
  return results;
}

void print(const std::vector<measurement>& results) {
  std::printf("%-52s %12s %10s %10s %10s %10s %8s\n", "measurement", "ops/s", "p50 us", "p99 us",
              "p99.9 us", "max us", "errors");
  for (const measurement& m : results) {
    std::printf("%-52s %12.0f %10.1f %10.1f %10.1f %10.1f %8llu  %s\n", m.name.c_str(),
                m.operations_per_second, m.p50_us, m.p99_us, m.p999_us, m.max_us,
                static_cast<unsigned long long>(m.errors), m.note.c_str());
  }
}

}  // namespace

int main(int argc, char** argv) {
  bench_options options = parse_options(argc, argv);
  log::configure("ratelimit-bench", log::level::warning);
  std::printf("seconds per measurement: %.1f, keys: %d, pipeline batch: %d, hardware threads: %u\n",
              options.seconds, options.keys, options.batch, std::thread::hardware_concurrency());
  try {
    std::vector<measurement> results = measure_redis(options);
    for (const std::string& backend : options.backends) {
      std::vector<measurement> stage = measure_stage(options, backend);
      results.insert(results.end(), stage.begin(), stage.end());
    }
    print(results);
  } catch (const std::exception& e) {
    std::cerr << "memgov-ratelimit-bench: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
