#include <gtest/gtest.h>

#include "chain/record_chain.hpp"
#include "ctl/chain_rows.hpp"
#include "ctl/chain_verifier.hpp"
#include "record/canonical.hpp"
#include "record/record_format.hpp"

namespace memgov::ctl {
namespace {

using audit::chain_position;
using audit::linked_record;
using audit::record_kind;

constexpr std::int64_t kBaseUs = 1'700'000'000'000'000;

// Rows of a chain as a sink writes them, with their hashes recomputed as verify would.
std::vector<chain_row> make_chain(int count, std::int64_t start_us = kBaseUs) {
  chain_position position;
  std::vector<chain_row> rows;
  for (int i = 0; i < count; ++i) {
    protocol::audit_event event;
    event.event_id = "6f1c2a0e-8b1d-4c3e-9f2a-1b2c3d4e5f6" + std::to_string(i % 10);
    event.timestamp_unix_us = start_us + i;
    event.decision = "allow";
    linked_record linked =
        audit::link_record(position, "sink-a", record_kind::event, audit::format_event(event));
    chain_row row;
    row.source = "mem0_audit_log";
    row.sequence = linked.sequence;
    row.event_id = event.event_id;
    row.timestamp_us = event.timestamp_unix_us;
    row.prev_hash = linked.prev_hash;
    row.row_hash = linked.row_hash;
    row.computed_hash = audit::chain_hash(linked.prev_hash, linked.canonical);
    rows.push_back(row);
  }
  return rows;
}

chain_walker walk(const std::vector<chain_row>& rows, verify_policy policy = {}) {
  chain_walker walker("sink-a", policy);
  for (const chain_row& row : rows) {
    walker.add(row);
  }
  return walker;
}

TEST(ChainWalker, AcceptsIntactChain) {
  chain_walker walker = walk(make_chain(5));
  EXPECT_FALSE(walker.first_break());
  EXPECT_EQ(walker.rows(), 5u);
  EXPECT_EQ(walker.first_sequence(), 1u);
  EXPECT_EQ(walker.last_sequence(), 5u);
}

TEST(ChainWalker, NamesChangedRow) {
  std::vector<chain_row> rows = make_chain(5);
  rows[2].computed_hash = audit::sha256("changed");
  chain_walker walker = walk(rows);
  ASSERT_TRUE(walker.first_break());
  EXPECT_EQ(walker.first_break()->sequence, 3u);
  EXPECT_EQ(walker.first_break()->event_id, rows[2].event_id);
  EXPECT_NE(walker.first_break()->reason.find("changed"), std::string::npos);
}

TEST(ChainWalker, NamesRowAfterRewrittenHash) {
  std::vector<chain_row> rows = make_chain(5);
  // Someone changed row 3 and stored a matching row_hash: row 4's link breaks.
  rows[2].row_hash = audit::sha256("forged");
  rows[2].computed_hash = rows[2].row_hash;
  chain_walker walker = walk(rows);
  ASSERT_TRUE(walker.first_break());
  EXPECT_EQ(walker.first_break()->sequence, 4u);
  EXPECT_NE(walker.first_break()->reason.find("prev_hash"), std::string::npos);
}

TEST(ChainWalker, NamesGapAndDuplicate) {
  std::vector<chain_row> rows = make_chain(6);
  std::vector<chain_row> gap = rows;
  gap.erase(gap.begin() + 2);
  chain_walker walker = walk(gap);
  ASSERT_TRUE(walker.first_break());
  EXPECT_EQ(walker.first_break()->sequence, 4u);
  EXPECT_NE(walker.first_break()->reason.find("sequences 3 to 3 are missing"), std::string::npos);

  std::vector<chain_row> doubled = rows;
  doubled.insert(doubled.begin() + 3, rows[2]);
  walker = walk(doubled);
  ASSERT_TRUE(walker.first_break());
  EXPECT_NE(walker.first_break()->reason.find("more than once"), std::string::npos);
}

TEST(ChainWalker, MissingStartIsBroken) {
  std::vector<chain_row> rows = make_chain(4);
  rows.erase(rows.begin());
  chain_walker walker = walk(rows);
  ASSERT_TRUE(walker.first_break());
  EXPECT_NE(walker.first_break()->reason.find("sequences 1 to 1 are missing"), std::string::npos);
}

TEST(ChainWalker, FirstRecordNeedsGenesis) {
  std::vector<chain_row> rows = make_chain(2);
  rows[0].prev_hash = audit::sha256("x");
  chain_walker walker = walk(rows);
  ASSERT_TRUE(walker.first_break());
  EXPECT_EQ(walker.first_break()->sequence, 1u);
}

TEST(ChainWalker, ToleratesGapsAtRetentionBoundary) {
  std::vector<chain_row> rows = make_chain(10);
  verify_policy policy;
  policy.retention_boundary_us = kBaseUs + 5;
  // Rows 1-3 and 5 were in a dropped partition.
  std::vector<chain_row> retained = {rows[3], rows[5], rows[6], rows[7], rows[8], rows[9]};
  chain_walker walker = walk(retained, policy);
  EXPECT_FALSE(walker.first_break()) << walker.first_break()->reason;
  EXPECT_EQ(walker.notes().size(), 2u);

  // Far from the boundary a gap is still a break.
  retained = {rows[3], rows[4], rows[5], rows[6], rows[8], rows[9]};
  policy.slack_us = 1;
  walker = walk(retained, policy);
  ASSERT_TRUE(walker.first_break());
  EXPECT_EQ(walker.first_break()->sequence, 9u);
}

TEST(ChainRows, RebuildsEventCanonicalFromColumns) {
  // The values a chain_query() row of mem0_audit_log returns for one record.
  protocol::audit_event event;
  event.event_id = "6f1c2a0e-8b1d-4c3e-9f2a-1b2c3d4e5f60";
  event.timestamp_unix_us = kBaseUs;
  event.tenant_id = "acme";
  event.decision = "deny";
  event.status_code = 403;
  event.latency_ms = 0.1;
  chain_position position;
  linked_record linked =
      audit::link_record(position, "sink-a", record_kind::event, audit::format_event(event));
  std::vector<std::optional<std::string>> values = {
      std::string("1"), audit::to_hex(linked.prev_hash), audit::to_hex(linked.row_hash)};
  audit::record_fields fields = audit::format_event(event);
  fields[13] = std::string("0.10000000000000001");  // PostgreSQL's text of 0.1.
  values.insert(values.end(), fields.begin(), fields.end());
  chain_row row = make_chain_row(chain_source::event, "sink-a", values);
  EXPECT_TRUE(row.problem.empty()) << row.problem;
  EXPECT_EQ(row.sequence, 1u);
  EXPECT_EQ(row.timestamp_us, kBaseUs);
  EXPECT_EQ(row.computed_hash, linked.row_hash);

  values[3 + 3] = std::string("globex");  // tenant_id changed.
  EXPECT_NE(make_chain_row(chain_source::event, "sink-a", values).computed_hash, linked.row_hash);
}

TEST(ChainRows, ChecksLinkCanonical) {
  chain_position position;
  protocol::audit_event event;
  event.event_id = "6f1c2a0e-8b1d-4c3e-9f2a-1b2c3d4e5f60";
  event.timestamp_unix_us = kBaseUs;
  event.decision = "allow";
  linked_record linked =
      audit::link_record(position, "sink-a", record_kind::event, audit::format_event(event));
  std::string hex;
  for (unsigned char c : linked.canonical) {
    static const char digits[] = "0123456789abcdef";
    hex.push_back(digits[c >> 4]);
    hex.push_back(digits[c & 0x0F]);
  }
  std::vector<std::optional<std::string>> values = {
      std::string("1"),        audit::to_hex(linked.prev_hash), audit::to_hex(linked.row_hash),
      event.event_id,          std::to_string(kBaseUs),         hex,
      std::string("duplicate")};
  chain_row row = make_chain_row(chain_source::link, "sink-a", values);
  EXPECT_TRUE(row.problem.empty()) << row.problem;
  EXPECT_EQ(row.computed_hash, linked.row_hash);
  EXPECT_FALSE(make_chain_row(chain_source::link, "sink-b", values).problem.empty());
  values[0] = std::string("2");
  EXPECT_FALSE(make_chain_row(chain_source::link, "sink-a", values).problem.empty());
}

TEST(ChainRows, QueriesOrderBySequenceColumn) {
  std::string query = chain_query(chain_source::outcome, "'sink-a'");
  EXPECT_NE(query.find("FROM mem0_audit_outcome t WHERE t.sink_id = 'sink-a' ORDER BY t.sequence"),
            std::string::npos)
      << query;
  EXPECT_NE(query.find("completed_at"), std::string::npos);
}

}  // namespace
}  // namespace memgov::ctl
