#include <gtest/gtest.h>

#include "record/record_format.hpp"
#include "wal/checkpoint.hpp"
#include "wal/crc32c.hpp"
#include "wal/wal_format.hpp"

namespace memgov::audit {
namespace {

linked_record sample_record(chain_position& position) {
  protocol::audit_event event;
  event.event_id = "6f1c2a0e-8b1d-4c3e-9f2a-1b2c3d4e5f60";
  event.timestamp_unix_us = 1'700'000'000'000'000;
  event.decision = "allow";
  event.reason = "tab\there";
  return link_record(position, "sink-a", record_kind::event, format_event(event));
}

TEST(Crc32c, MatchesKnownValue) {
  // The CRC-32C check value of "123456789" (RFC 3720, appendix B.4).
  EXPECT_EQ(crc32c("123456789"), 0xE3069283u);
  EXPECT_EQ(crc32c_portable("123456789"), 0xE3069283u);
  std::string long_text(1000, 'q');
  EXPECT_EQ(crc32c(long_text), crc32c_portable(long_text));
  EXPECT_EQ(crc32c(long_text.substr(500), crc32c(long_text.substr(0, 500))), crc32c(long_text));
}

TEST(WalRecord, RoundTrips) {
  chain_position position;
  linked_record record = sample_record(position);
  std::string bytes;
  append_wal_record(bytes, record);
  EXPECT_EQ(bytes.size(), wal_record_size(record));
  parse_result parsed = parse_wal_record(bytes);
  ASSERT_EQ(parsed.status, parse_status::ok) << parsed.error;
  EXPECT_EQ(parsed.size, bytes.size());
  EXPECT_EQ(parsed.record.prev_hash, record.prev_hash);
  EXPECT_EQ(parsed.record.row_hash, record.row_hash);
  EXPECT_EQ(parsed.record.canonical, record.canonical);
}

TEST(WalRecord, ParsesConsecutiveRecords) {
  chain_position position;
  std::string bytes;
  linked_record first = sample_record(position);
  linked_record second = sample_record(position);
  append_wal_record(bytes, first);
  append_wal_record(bytes, second);
  parse_result one = parse_wal_record(bytes);
  ASSERT_EQ(one.status, parse_status::ok);
  parse_result two = parse_wal_record(std::string_view(bytes).substr(one.size));
  ASSERT_EQ(two.status, parse_status::ok);
  EXPECT_EQ(two.record.prev_hash, first.row_hash);
}

TEST(WalRecord, CutShortIsIncomplete) {
  chain_position position;
  std::string bytes;
  append_wal_record(bytes, sample_record(position));
  for (std::size_t size : {std::size_t{0}, std::size_t{3}, kRecordHeaderBytes, bytes.size() - 1}) {
    EXPECT_EQ(parse_wal_record(std::string_view(bytes).substr(0, size)).status,
              parse_status::incomplete)
        << size;
  }
}

TEST(WalRecord, DetectsFlippedByte) {
  chain_position position;
  std::string bytes;
  append_wal_record(bytes, sample_record(position));
  for (std::size_t at : {std::size_t{4}, std::size_t{8}, std::size_t{40}, bytes.size() - 1}) {
    std::string damaged = bytes;
    damaged[at] ^= 0x01;
    parse_result parsed = parse_wal_record(damaged);
    EXPECT_EQ(parsed.status, parse_status::corrupt) << at;
    EXPECT_FALSE(parsed.error.empty());
  }
}

TEST(WalRecord, RejectsImpossibleLength) {
  std::string zeros(64, '\0');
  EXPECT_EQ(parse_wal_record(zeros).status, parse_status::corrupt);
  std::string huge = "\xff\xff\xff\x7f" + std::string(60, '\0');
  parse_result parsed = parse_wal_record(huge);
  EXPECT_EQ(parsed.status, parse_status::corrupt);
  EXPECT_NE(parsed.error.find("out of range"), std::string::npos) << parsed.error;
}

TEST(SegmentHeader, RoundTrips) {
  segment_header header;
  header.segment = 42;
  header.first_sequence = 1001;
  header.prev_hash = sha256("previous");
  std::string bytes = encode_segment_header(header);
  ASSERT_EQ(bytes.size(), kSegmentHeaderBytes);
  std::string error;
  auto decoded = decode_segment_header(bytes, error);
  ASSERT_TRUE(decoded) << error;
  EXPECT_EQ(decoded->segment, 42u);
  EXPECT_EQ(decoded->first_sequence, 1001u);
  EXPECT_EQ(decoded->prev_hash, header.prev_hash);
  bytes[20] ^= 0x10;
  EXPECT_FALSE(decode_segment_header(bytes, error));
  EXPECT_NE(error.find("checksum"), std::string::npos) << error;
  EXPECT_FALSE(decode_segment_header("MGAUDWAL", error));
}

TEST(SegmentFileName, RoundTrips) {
  EXPECT_EQ(segment_file_name(1), "0000000000000001.wal");
  EXPECT_EQ(segment_file_name(0xabc), "0000000000000abc.wal");
  EXPECT_EQ(parse_segment_file_name("0000000000000abc.wal"), 0xabcu);
  EXPECT_EQ(parse_segment_file_name("0000000000000ABC.wal"), std::nullopt);
  EXPECT_EQ(parse_segment_file_name("0000000000000001.wal.damaged"), std::nullopt);
  EXPECT_EQ(parse_segment_file_name("checkpoint"), std::nullopt);
}

TEST(Checkpoint, RoundTrips) {
  checkpoint value{{7, 123456}, 99};
  std::string error;
  auto decoded = decode_checkpoint(encode_checkpoint(value), error);
  ASSERT_TRUE(decoded) << error;
  EXPECT_EQ(decoded->cursor, (wal_cursor{7, 123456}));
  EXPECT_EQ(decoded->sequence, 99u);
}

TEST(Checkpoint, DetectsDamage) {
  std::string bytes = encode_checkpoint(checkpoint{{7, 123456}, 99});
  std::string error;
  std::string flipped = bytes;
  flipped[14] ^= 0x01;
  EXPECT_FALSE(decode_checkpoint(flipped, error));
  EXPECT_NE(error.find("checksum"), std::string::npos) << error;
  EXPECT_FALSE(decode_checkpoint(bytes.substr(0, 20), error));
  EXPECT_FALSE(decode_checkpoint("", error));
}

TEST(WalCursor, OrdersBySegmentThenOffset) {
  EXPECT_LT((wal_cursor{1, 900}), (wal_cursor{2, 68}));
  EXPECT_LT((wal_cursor{2, 68}), (wal_cursor{2, 69}));
  EXPECT_FALSE((wal_cursor{2, 69}) < (wal_cursor{2, 69}));
}

}  // namespace
}  // namespace memgov::audit
