// The binary COPY rows of the drainer's direct path, byte by byte. Storing them in PostgreSQL
// and verifying the chain over the stored rows is covered by the integration tests.
#include <gtest/gtest.h>

#include <pqxx/except>

#include "record/canonical.hpp"
#include "storage/binary_copy.hpp"

namespace memgov::audit {
namespace {

std::string bytes_of(std::initializer_list<int> values) {
  std::string out;
  for (int value : values) {
    out.push_back(static_cast<char>(value));
  }
  return out;
}

// An event at the PostgreSQL epoch with most fields NULL.
stored_record event_record(const std::string& event_id, const std::string& sequence) {
  record_fields fields(record_columns(record_kind::event).size());
  fields[kEventIdField] = event_id;
  fields[kTimestampField] = "946684800000001";  // 2000-01-01 00:00:00.000001 UTC.
  fields[3] = "tenant-a";                       // tenant_id
  fields[8] = "allow";                          // decision
  fields[12] = "200";                           // status_code
  fields[13] = "1.5";                           // latency_ms
  fields[sink_id_field(record_kind::event)] = "s";
  fields[sequence_field(record_kind::event)] = sequence;
  stored_record record;
  record.kind = record_kind::event;
  record.canonical = encode_canonical(record_kind::event, fields);
  record.prev_hash.fill(0x11);
  record.row_hash.fill(0x22);
  return record;
}

TEST(BinaryCopyRows, EncodesEveryColumnType) {
  binary_copy_rows rows;
  rows.add(event_record("0123abcd-4567-89ef-0123-456789abcdef", "7"));
  rows.finish();
  std::string bytes = rows.take();

  std::string expected("PGCOPY\n\377\r\n\0", 11);
  expected += bytes_of({0, 0, 0, 0, 0, 0, 0, 0});  // Flags and header extension length.
  expected += bytes_of({0, 20});                   // 18 record columns, prev_hash, row_hash.
  expected += bytes_of({0,    0,    0,    16,   0x01, 0x23, 0xab, 0xcd, 0x45, 0x67,
                        0x89, 0xef, 0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef});
  expected += bytes_of({0, 0, 0, 8, 0, 0, 0, 0, 0, 0, 0, 1});  // One microsecond after 2000.
  const std::string null = bytes_of({0xff, 0xff, 0xff, 0xff});
  expected += null;                                                  // request_id
  expected += bytes_of({0, 0, 0, 8}) + "tenant-a";                   // tenant_id
  expected += null + null + null + null;                             // actor_id to resource
  expected += bytes_of({0, 0, 0, 5}) + "allow";                      // decision
  expected += null + null + null;                                    // reason, method, path
  expected += bytes_of({0, 0, 0, 4, 0, 0, 0, 200});                  // status_code as int4
  expected += bytes_of({0, 0, 0, 8, 0x3f, 0xf8, 0, 0, 0, 0, 0, 0});  // 1.5 as float8
  expected += null + null;                                           // source_ip, policy_revision
  expected += bytes_of({0, 0, 0, 1}) + "s";                          // sink_id
  expected += bytes_of({0, 0, 0, 8, 0, 0, 0, 0, 0, 0, 0, 7});        // sequence as int8
  expected += bytes_of({0, 0, 0, 32}) + std::string(32, '\x11');
  expected += bytes_of({0, 0, 0, 32}) + std::string(32, '\x22');
  expected += bytes_of({0xff, 0xff});  // Trailer.
  EXPECT_EQ(bytes, expected);
}

TEST(BinaryCopyRows, DamagedUuidIsDataError) {
  binary_copy_rows rows;
  EXPECT_THROW(rows.add(event_record("not-a-uuid", "1")), pqxx::data_exception);
  EXPECT_THROW(rows.add(event_record("0123abcd-4567-89ef-0123-456789abcdeg", "1")),
               pqxx::data_exception);
}

TEST(BinaryCopyRows, DamagedIntegerIsDataError) {
  binary_copy_rows rows;
  EXPECT_THROW(rows.add(event_record("0123abcd-4567-89ef-0123-456789abcdef", "seven")),
               pqxx::data_exception);
}

}  // namespace
}  // namespace memgov::audit
