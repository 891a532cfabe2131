#include <fcntl.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "record/canonical.hpp"
#include "record/record_format.hpp"
#include "wal/checkpoint.hpp"
#include "wal/wal_format.hpp"
#include "wal/wal_log.hpp"
#include "wal/wal_reader.hpp"

namespace memgov::audit {
namespace {

namespace fs = std::filesystem;

constexpr std::uint64_t kSegmentBytes = 1 << 20;

class WalLogTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = (fs::temp_directory_path() / "memgov-wal-test-XXXXXX").string();
    ASSERT_NE(::mkdtemp(pattern.data()), nullptr);
    root_ = pattern;
    dir_ = root_ / "slot-0";
  }

  void TearDown() override { fs::remove_all(root_); }

  std::unique_ptr<wal_log> open_log(std::uint64_t segment_bytes = kSegmentBytes) {
    recovery_ = wal_recovery{};
    return wal_log::open(dir_, segment_bytes, "sink-test", recovery_);
  }

  // Links `count` records after the log's position and appends them in one write.
  std::vector<linked_record> append(wal_log& log, int count) {
    chain_position position = log.position();
    std::vector<linked_record> records;
    std::string bytes;
    for (int i = 0; i < count; ++i) {
      protocol::audit_event event;
      event.event_id = "6f1c2a0e-8b1d-4c3e-9f2a-1b2c3d4e5f60";
      event.timestamp_unix_us = 1'700'000'000'000'000 + i;
      event.decision = "allow";
      event.request_id = "req-" + std::to_string(position.sequence + 1);
      records.push_back(
          link_record(position, log.sink_id(), record_kind::event, format_event(event)));
      append_wal_record(bytes, records.back());
    }
    log.append(bytes, position);
    return records;
  }

  fs::path segment_path(std::uint64_t segment) const { return dir_ / segment_file_name(segment); }

  void append_raw(std::uint64_t segment, const std::string& bytes) {
    std::ofstream out(segment_path(segment), std::ios::binary | std::ios::app);
    out << bytes;
  }

  // Reads every record the log holds, treating each segment's file size as durable.
  wal_read read_all(wal_cursor start = {}) {
    wal_reader reader(dir_, start);
    return reader.read(list_segments(dir_), 1'000'000, 1 << 30);
  }

  static std::uint64_t sequence_of(const wal_entry& entry) {
    std::string error;
    auto decoded = decode_canonical(entry.canonical, error);
    EXPECT_TRUE(decoded) << error;
    return static_cast<std::uint64_t>(
        *parse_integer(*decoded->fields[sequence_field(decoded->kind)]));
  }

  fs::path root_;
  fs::path dir_;
  wal_recovery recovery_;
};

TEST_F(WalLogTest, CreatesLogWithSinkId) {
  auto log = open_log();
  EXPECT_TRUE(recovery_.created);
  EXPECT_EQ(log->sink_id(), "sink-test");
  EXPECT_EQ(log->position().sequence, 0u);
  EXPECT_EQ(log->current_segment(), 1u);
  EXPECT_EQ(log->current_size(), kSegmentHeaderBytes);
  EXPECT_EQ(log->segments_at_open().at(1), kSegmentHeaderBytes);
  EXPECT_TRUE(fs::exists(dir_ / "sink_id"));
}

TEST_F(WalLogTest, ReopenRestoresPosition) {
  std::vector<linked_record> records;
  {
    auto log = open_log();
    records = append(*log, 3);
  }
  auto log = open_log();
  EXPECT_FALSE(recovery_.created);
  EXPECT_EQ(recovery_.discarded_bytes, 0u);
  EXPECT_EQ(log->sink_id(), "sink-test");
  EXPECT_EQ(log->position().sequence, 3u);
  EXPECT_EQ(log->position().row_hash, records.back().row_hash);
}

TEST_F(WalLogTest, TornLastRecordIsDiscarded) {
  std::vector<linked_record> records;
  {
    auto log = open_log();
    records = append(*log, 2);
  }
  // A crash in the middle of the third record's write.
  chain_position position{2, records.back().row_hash};
  std::string torn;
  protocol::audit_event event;
  event.event_id = "6f1c2a0e-8b1d-4c3e-9f2a-1b2c3d4e5f60";
  event.timestamp_unix_us = 1'700'000'000'000'000;
  event.decision = "deny";
  append_wal_record(torn,
                    link_record(position, "sink-test", record_kind::event, format_event(event)));
  append_raw(1, torn.substr(0, torn.size() / 2));

  auto log = open_log();
  EXPECT_EQ(recovery_.discarded_bytes, torn.size() / 2);
  EXPECT_NE(recovery_.discarded_reason.find("incomplete"), std::string::npos)
      << recovery_.discarded_reason;
  EXPECT_EQ(log->position().sequence, 2u);
  append(*log, 1);

  wal_read read = read_all();
  EXPECT_TRUE(read.damage.empty());
  ASSERT_EQ(read.entries.size(), 3u);
  EXPECT_EQ(sequence_of(read.entries[2]), 3u);
  EXPECT_EQ(read.entries[2].prev_hash, records.back().row_hash);
}

TEST_F(WalLogTest, CorruptLastRecordIsDiscarded) {
  {
    auto log = open_log();
    append(*log, 2);
  }
  std::string bytes = std::string(8, '\x7f') + std::string(100, 'x');
  append_raw(1, bytes);
  auto log = open_log();
  EXPECT_EQ(recovery_.discarded_bytes, bytes.size());
  EXPECT_EQ(log->position().sequence, 2u);
  EXPECT_EQ(fs::file_size(segment_path(1)), log->current_size());
}

TEST_F(WalLogTest, NewSegmentHeaderCarriesChain) {
  std::vector<linked_record> records;
  {
    auto log = open_log(4096);
    records = append(*log, 20);
    ASSERT_TRUE(log->needs_rotation());
    log->rotate();
    EXPECT_EQ(log->current_segment(), 2u);
  }
  // Segment 1 drained and deleted; segment 2 has no record yet.
  fs::remove(segment_path(1));
  auto log = open_log(4096);
  EXPECT_EQ(log->position().sequence, 20u);
  EXPECT_EQ(log->position().row_hash, records.back().row_hash);
  EXPECT_EQ(log->current_segment(), 2u);
}

TEST_F(WalLogTest, UnfinishedSegmentIsRemoved) {
  {
    auto log = open_log();
    append(*log, 4);
  }
  append_raw(2, "MGAUD");  // A crash while segment 2 was being created.
  auto log = open_log();
  EXPECT_FALSE(fs::exists(segment_path(2)));
  EXPECT_EQ(log->current_segment(), 1u);
  EXPECT_EQ(log->position().sequence, 4u);
  EXPECT_EQ(recovery_.discarded_bytes, 5u);
}

TEST_F(WalLogTest, SecondOpenIsRejected) {
  auto log = open_log();
  wal_recovery recovery;
  try {
    wal_log::open(dir_, kSegmentBytes, "other", recovery);
    FAIL() << "a second open of a locked log succeeded";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("in use"), std::string::npos) << e.what();
  }
}

TEST_F(WalLogTest, CheckpointWithoutSegmentsIsRejected) {
  { auto log = open_log(); }
  fs::remove(segment_path(1));
  store_checkpoint(dir_, checkpoint{{1, kSegmentHeaderBytes}, 0});
  EXPECT_THROW(open_log(), std::runtime_error);
}

TEST_F(WalLogTest, ReaderCrossesSegments) {
  {
    auto log = open_log(4096);
    append(*log, 20);
    log->rotate();
    append(*log, 5);
  }
  wal_read read = read_all();
  EXPECT_TRUE(read.damage.empty());
  ASSERT_EQ(read.entries.size(), 25u);
  for (std::size_t i = 0; i < read.entries.size(); ++i) {
    EXPECT_EQ(sequence_of(read.entries[i]), i + 1);
  }
  EXPECT_EQ(read.entries[20].end.segment, 2u);
  EXPECT_EQ(read.entries[20].prev_hash, read.entries[19].row_hash);
}

TEST_F(WalLogTest, ReaderStopsAtDurableSize) {
  std::uint64_t durable = 0;
  {
    auto log = open_log();
    append(*log, 3);
    durable = log->current_size();
    append(*log, 2);
  }
  wal_reader reader(dir_, {});
  wal_read read = reader.read({{1, durable}}, 100, 1 << 20);
  ASSERT_EQ(read.entries.size(), 3u);
  EXPECT_EQ(reader.cursor(), (wal_cursor{1, durable}));
  read = reader.read(list_segments(dir_), 100, 1 << 20);
  ASSERT_EQ(read.entries.size(), 2u);
  EXPECT_EQ(sequence_of(read.entries[0]), 4u);
}

TEST_F(WalLogTest, ReaderResumesFromCheckpoint) {
  {
    auto log = open_log();
    append(*log, 6);
  }
  wal_read first = read_all();
  ASSERT_EQ(first.entries.size(), 6u);
  wal_read rest = read_all(first.entries[3].end);
  ASSERT_EQ(rest.entries.size(), 2u);
  EXPECT_EQ(sequence_of(rest.entries[0]), 5u);
}

TEST_F(WalLogTest, ReaderSkipsDamageInSealedSegment) {
  {
    auto log = open_log(4096);
    append(*log, 20);
    log->rotate();
    append(*log, 3);
  }
  // Damage the fifth record of segment 1.
  wal_read clean = read_all();
  std::uint64_t offset = clean.entries[3].end.offset + 20;
  {
    int fd = ::open(segment_path(1).c_str(), O_WRONLY);
    ASSERT_GE(fd, 0);
    char byte = 'Z';
    ASSERT_EQ(::pwrite(fd, &byte, 1, static_cast<off_t>(offset)), 1);
    ::close(fd);
  }
  wal_read read = read_all();
  ASSERT_EQ(read.damage.size(), 1u);
  EXPECT_EQ(read.damage[0].segment, 1u);
  ASSERT_EQ(read.entries.size(), 4u + 3u);
  EXPECT_EQ(sequence_of(read.entries[4]), 21u);
}

}  // namespace
}  // namespace memgov::audit
