#include "pg_drainer.hpp"

#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include <caf/all.hpp>
#include <pqxx/except>

#include "audit_metrics.hpp"
#include "log/logger.hpp"
#include "record/canonical.hpp"
#include "record/record_format.hpp"
#include "sink_messages.hpp"
#include "storage/batch_write.hpp"
#include "storage/partitions.hpp"
#include "wal/checkpoint.hpp"
#include "wal/wal_format.hpp"
#include "wal/wal_reader.hpp"

namespace memgov::audit {
namespace {

// Batches sent straight to the deduplicating path after a replay was detected.
constexpr std::size_t kDeduplicatedStreak = 10;

// Maximum idle wait, so the gauges stay fresh.
constexpr std::chrono::milliseconds kMaxIdleWait{1000};

// How long a month whose partitions were checked is taken to still have them.
constexpr std::chrono::seconds kPartitionRecheck{60};

using clock = std::chrono::steady_clock;

class drainer_loop {
 public:
  explicit drainer_loop(pg_drainer_options options)
      : options_(std::move(options)),
        metrics_(*options_.metrics),
        state_(*options_.state),
        session_(options_.session, metrics_) {}

  void run(caf::blocking_actor* self) {
    reader_ = std::make_unique<wal_reader>(options_.directory, start_cursor());
    session_.maintain();
    publish_database_state();
    next_partition_check_ = clock::now() + options_.partition_check_interval;
    while (running_) {
      take_messages(self, clock::duration::zero());
      if (!running_) {
        break;
      }
      if (pending_.empty()) {
        collect_delay(self);
        if (!running_) {
          break;
        }
        read_pending();
      }
      if (!pending_.empty()) {
        if (!store_pending()) {
          // PostgreSQL is unavailable: wait for the reconnect delay (or a stop).
          take_messages(self, std::max<clock::duration>(session_.time_to_maintenance(),
                                                        std::chrono::milliseconds(10)));
          session_.maintain();
          publish_database_state();
        }
        continue;
      }
      idle(self);
    }
    if (dirty_) {
      store_checkpoint_and_delete();
    }
    logger_.info("drainer stopped",
                 {{"drained_sequence", std::to_string(drained_sequence_)},
                  {"last_sequence", std::to_string(state_.last_sequence.load())}});
  }

 private:
  wal_cursor start_cursor() {
    checkpoint_load load = load_checkpoint(options_.directory);
    if (!load.problem.empty()) {
      metrics_.count_log_error("checkpoint");
      logger_.warning("audit log checkpoint unusable; replaying the whole log",
                      {{"directory", options_.directory.string()}, {"error", load.problem}});
    }
    if (load.value) {
      committed_ = load.value->cursor;
      drained_sequence_ = load.value->sequence;
    }
    stored_ = committed_;
    replay_limit_ = state_.last_sequence.load();
    state_.drained_sequence.store(drained_sequence_);
    logger_.info("drainer starting from the checkpoint",
                 {{"segment", std::to_string(committed_.segment)},
                  {"offset", std::to_string(committed_.offset)},
                  {"drained_sequence", std::to_string(drained_sequence_)},
                  {"last_sequence", std::to_string(state_.last_sequence.load())}});
    return committed_;
  }

  void take_messages(caf::blocking_actor* self, clock::duration wait) {
    auto timeout = std::chrono::ceil<std::chrono::milliseconds>(wait);
    self->receive([&](stop_atom) { running_ = false; }, [&](wake_atom) {},
                  caf::after(timeout) >> [] {});
    // Anything else queued (more wakes) is consumed without waiting.
    bool more = true;
    while (more && running_) {
      self->receive([&](stop_atom) { running_ = false; }, [&](wake_atom) {},
                    caf::after(std::chrono::seconds(0)) >> [&] { more = false; });
    }
  }

  // After a batch that did not fill up (the drainer had caught up), waits drain_delay before
  // reading again, so that records arriving meanwhile share one transaction instead of
  // costing one commit each. A stop ends the wait.
  void collect_delay(caf::blocking_actor* self) {
    while (running_ && clock::now() < collect_until_) {
      take_messages(self, collect_until_ - clock::now());
    }
    collect_until_ = clock::time_point{};
  }

  void read_pending() {
    wal_read read;
    try {
      read = reader_->read(state_.segments(), options_.batch_max, options_.batch_bytes);
    } catch (const std::exception& e) {
      metrics_.count_log_error("read");
      logger_.warning_limited("read", "cannot read the audit log; retrying",
                              {{"directory", options_.directory.string()}, {"error", e.what()}});
      return;
    }
    for (const wal_damage& damage : read.damage) {
      metrics_.count_log_error("damage");
      damaged_segments_.insert(damage.segment);
      logger_.error("damaged audit log segment; skipping the rest of it",
                    {{"directory", options_.directory.string()},
                     {"segment", std::to_string(damage.segment)},
                     {"offset", std::to_string(damage.offset)},
                     {"error", damage.error}});
    }
    pending_.reserve(read.entries.size());
    for (wal_entry& entry : read.entries) {
      std::string error;
      std::optional<record_kind> kind = check_canonical(entry.canonical, error);
      if (!kind) {
        // The checksum matched, so the writer produced these bytes: a bug, not damage.
        metrics_.count_log_error("damage");
        logger_.error("audit log record cannot be decoded; skipping it",
                      {{"segment", std::to_string(entry.end.segment)},
                       {"offset", std::to_string(entry.end.offset)},
                       {"error", error}});
        continue;
      }
      stored_record record;
      record.kind = *kind;
      record.prev_hash = entry.prev_hash;
      record.row_hash = entry.row_hash;
      record.canonical = std::move(entry.canonical);
      pending_.push_back(std::move(record));
    }
    pending_end_ = reader_->cursor();
    if (pending_.empty() && committed_ < pending_end_) {
      // Only damage or segment headers were passed; nothing to write, but the cursor moves.
      committed_ = pending_end_;
      dirty_ = true;
    }
  }

  // Makes sure the partitions of the pending records' months exist. A month checked less
  // than kPartitionRecheck ago is not checked again, which saves a transaction per batch.
  // NOTE: a partition dropped by retention less than kPartitionRecheck after its check is not
  // created again until the check expires. Records of that month written meanwhile are
  // rejected by PostgreSQL and kept as 'rejected' chain links. Retention rejects the current
  // month, so only records older than a month can meet this.
  void ensure_months(pqxx::connection& connection) {
    auto now = clock::now();
    std::set<partition_month> unchecked;
    for (const partition_month& month : months_of_pending()) {
      auto checked = checked_months_.find(month);
      if (checked == checked_months_.end() || now - checked->second >= kPartitionRecheck) {
        unchecked.insert(month);
      }
    }
    for (const std::string& created : ensure_partitions(connection, unchecked)) {
      logger_.info("created audit partition", {{"partition", created}});
    }
    for (const partition_month& month : unchecked) {
      checked_months_[month] = now;
    }
  }

  std::set<partition_month> months_of_pending() const {
    std::set<partition_month> months;
    for (const stored_record& record : pending_) {
      if (auto unix_us = record_timestamp_us(record)) {
        months.insert(month_of(*unix_us));
      }
    }
    return months;
  }

  // Writes the pending batch. Returns false when PostgreSQL is unavailable; the batch stays
  // pending and is written again later.
  bool store_pending() {
    pqxx::connection* connection = session_.connection();
    if (connection == nullptr) {
      publish_database_state();
      return false;
    }

    auto started = clock::now();
    write_path first = deduplicated_batches_left_ > 0 || may_be_replay(pending_.front())
                           ? write_path::deduplicated
                           : write_path::direct;
    batch_result result;
    try {
      ensure_months(*connection);
      result = write_batch(*connection, pending_, first, copy_into_partitions_);
    } catch (const std::exception& e) {
      metrics_.count_database_error("write");
      session_.mark_failed(e.what());
      publish_database_state();
      logger_.warning_limited(
          "write", "audit batch not stored in PostgreSQL; it stays in the log",
          {{"records", std::to_string(pending_.size())}, {"error", first_line(e.what())}});
      return false;
    }

    session_.mark_succeeded();
    publish_database_state();
    std::chrono::duration<double> took = clock::now() - started;
    finish_batch(first, result, took.count());
    return true;
  }

  // Records a committed batch: metrics, the cursor, and a checkpoint when one is due.
  void finish_batch(write_path first, const batch_result& result, double seconds) {
    if (result.partition_copy_denied) {
      copy_into_partitions_ = false;
      logger_.info(
          "the database role may not write audit partitions directly; copying "
          "through the parent tables from now on");
    }
    update_path_preference(first, result.path);
    metrics_.observe_batch_seconds(result.path, seconds);
    metrics_.observe_batch_size(static_cast<double>(pending_.size()));
    metrics_.drainer_actor().messages.Increment(static_cast<double>(pending_.size()));
    metrics_.drainer_actor().processing_seconds.Observe(seconds);
    account(result);

    committed_ = pending_end_;
    dirty_ = true;
    if (pending_.size() < options_.batch_max) {
      collect_until_ = clock::now() + options_.drain_delay;
    }
    pending_.clear();
    publish_backlog();
    if (committed_.segment != stored_.segment ||
        clock::now() - last_checkpoint_ >= options_.checkpoint_interval) {
      store_checkpoint_and_delete();
    }
  }

  void account(const batch_result& result) {
    for (const stored_record& record : pending_) {
      metrics_.written(record.kind).Increment();
    }
    if (auto sequence = record_sequence(pending_.back())) {
      drained_sequence_ = *sequence;
      state_.drained_sequence.store(drained_sequence_);
      metrics_.drained_sequence().Set(static_cast<double>(drained_sequence_));
    }
    metrics_.duplicates().Increment(static_cast<double>(result.duplicates));
    metrics_.rejected().Increment(static_cast<double>(result.rejected.size()));
    for (const row_failure& failure : result.rejected) {
      const stored_record& record = pending_.at(failure.index);
      logger_.error("PostgreSQL rejected an audit record; stored it as a rejected chain link",
                    {{"kind", to_string(record.kind)},
                     {"event_id", record_field(record, kEventIdField).value_or("")},
                     {"sequence", record_field(record, sequence_field(record.kind)).value_or("")},
                     {"error", failure.reason}});
    }
  }

  // Records the log held at start and the checkpoint did not cover may be in PostgreSQL
  // already (the crash came between commit and checkpoint).
  bool may_be_replay(const stored_record& record) const {
    std::optional<std::uint64_t> sequence = record_sequence(record);
    return sequence && *sequence <= replay_limit_;
  }

  // A failed direct COPY costs about as much as the write itself, so after a duplicate the
  // next batches go straight to the deduplicating path: duplicates come in runs, as when an
  // ingress resends every event it had in flight to a sink that stopped responding.
  void update_path_preference(write_path first, write_path used) {
    if (first == write_path::direct && used == write_path::deduplicated) {
      deduplicated_batches_left_ = kDeduplicatedStreak;
    } else if (deduplicated_batches_left_ > 0) {
      --deduplicated_batches_left_;
    }
  }

  void store_checkpoint_and_delete() {
    try {
      store_checkpoint(options_.directory, checkpoint{committed_, drained_sequence_});
    } catch (const std::exception& e) {
      metrics_.count_log_error("checkpoint");
      logger_.warning_limited("checkpoint", "cannot store the audit log checkpoint; retrying",
                              {{"directory", options_.directory.string()}, {"error", e.what()}});
      return;
    }
    stored_ = committed_;
    dirty_ = false;
    last_checkpoint_ = clock::now();
    delete_drained_segments();
  }

  // Deletes every segment before the checkpoint's segment. A damaged one is renamed to
  // "<name>.damaged" instead, for inspection.
  void delete_drained_segments() {
    for (const auto& [segment, size] : state_.segments()) {
      if (segment >= stored_.segment) {
        break;
      }
      std::filesystem::path path = options_.directory / segment_file_name(segment);
      bool damaged = damaged_segments_.count(segment) != 0;
      int status = 0;
      if (damaged) {
        std::filesystem::path kept = path;
        kept += ".damaged";
        status = ::rename(path.c_str(), kept.c_str());
      } else {
        status = ::unlink(path.c_str());
      }
      if (status != 0 && errno != ENOENT) {
        metrics_.count_log_error("delete");
        logger_.warning_limited("delete", "cannot delete a drained audit log segment",
                                {{"path", path.string()}, {"error", std::strerror(errno)}});
        return;
      }
      state_.remove_segment(segment);
      damaged_segments_.erase(segment);
    }
    metrics_.disk_bytes().Set(static_cast<double>(state_.disk_bytes.load()));
  }

  void idle(caf::blocking_actor* self) {
    auto now = clock::now();
    if (dirty_ && now - last_checkpoint_ >= options_.checkpoint_interval) {
      store_checkpoint_and_delete();
    }
    if (now >= next_partition_check_) {
      check_partitions();
    }
    publish_backlog();

    state_.drainer_waiting.store(true);
    if (has_unread_records()) {
      state_.drainer_waiting.store(false);
      return;
    }
    auto wait = std::min<clock::duration>(kMaxIdleWait, session_.time_to_maintenance());
    if (dirty_) {
      wait = std::min<clock::duration>(wait, last_checkpoint_ + options_.checkpoint_interval - now);
    }
    take_messages(self, std::max<clock::duration>(wait, clock::duration::zero()));
    state_.drainer_waiting.store(false);
    session_.maintain();
    publish_database_state();
  }

  bool has_unread_records() const {
    std::map<std::uint64_t, std::uint64_t> segments = state_.segments();
    if (segments.empty()) {
      return false;
    }
    wal_cursor end{segments.rbegin()->first, segments.rbegin()->second};
    return reader_->cursor() < end;
  }

  void check_partitions() {
    next_partition_check_ = clock::now() + options_.partition_check_interval;
    pqxx::connection* connection = session_.connection();
    if (connection == nullptr) {
      return;
    }
    try {
      std::vector<partition_month> months = months_to_prepare(unix_now_us());
      for (const std::string& created : ensure_partitions(
               *connection, std::set<partition_month>(months.begin(), months.end()))) {
        logger_.info("created audit partition", {{"partition", created}});
      }
      session_.mark_succeeded();
    } catch (const std::exception& e) {
      metrics_.count_database_error("partition");
      session_.mark_failed(e.what());
      logger_.warning_limited("partition", "cannot create the audit partitions; retrying",
                              {{"error", first_line(e.what())}});
      next_partition_check_ = clock::now() + std::chrono::seconds(10);
    }
  }

  void publish_database_state() {
    bool up = session_.healthy();
    state_.database_up.store(up);
    metrics_.database_up().Set(up ? 1 : 0);
  }

  void publish_backlog() {
    // The log writer sets this gauge too, after each group. Reading the last sequence again
    // after the Set catches a group that landed in between, whose value this Set overwrote.
    std::uint64_t last = state_.last_sequence.load();
    for (;;) {
      metrics_.backlog_events().Set(
          static_cast<double>(last > drained_sequence_ ? last - drained_sequence_ : 0));
      std::uint64_t now = state_.last_sequence.load();
      if (now == last)
        break;
      last = now;
    }
    std::uint64_t bytes = 0;
    for (const auto& [segment, size] : state_.segments()) {
      if (segment > committed_.segment) {
        bytes += size - kSegmentHeaderBytes;
      } else if (segment == committed_.segment && size > committed_.offset) {
        bytes += size - committed_.offset;
      }
    }
    metrics_.backlog_bytes().Set(static_cast<double>(bytes));
    metrics_.disk_bytes().Set(static_cast<double>(state_.disk_bytes.load()));
  }

  pg_drainer_options options_;
  audit_metrics& metrics_;
  sink_state& state_;
  log::logger logger_{"pg_drainer"};
  wal_cursor committed_;  // After the last record committed to PostgreSQL.
  wal_cursor stored_;     // The cursor in the checkpoint file.
  std::uint64_t drained_sequence_ = 0;
  pg_session session_;
  std::unique_ptr<wal_reader> reader_;
  std::vector<stored_record> pending_;
  wal_cursor pending_end_;
  std::set<std::uint64_t> damaged_segments_;
  std::map<partition_month, clock::time_point> checked_months_;
  clock::time_point collect_until_{};
  bool running_ = true;
  bool dirty_ = false;  // committed_ is ahead of the checkpoint file.
  clock::time_point last_checkpoint_ = clock::now();
  clock::time_point next_partition_check_;
  std::size_t deduplicated_batches_left_ = 0;
  std::uint64_t replay_limit_ = 0;  // Last sequence in the log at start.
  bool copy_into_partitions_ = true;
};

}  // namespace

void run_pg_drainer(caf::blocking_actor* self, pg_drainer_options options) {
  drainer_loop loop(std::move(options));
  loop.run(self);
}

}  // namespace memgov::audit
