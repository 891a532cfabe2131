#include <gtest/gtest.h>

#include <limits>

#include "chain/record_chain.hpp"
#include "record/canonical.hpp"
#include "record/record_format.hpp"

namespace memgov::audit {
namespace {

record_fields sample_fields() {
  protocol::audit_event event;
  event.event_id = "6f1c2a0e-8b1d-4c3e-9f2a-1b2c3d4e5f60";
  event.timestamp_unix_us = 1'700'000'000'000'000;
  event.request_id = "req-1";
  event.tenant_id = "acme-corp";
  event.decision = "allow";
  event.status_code = 200;
  event.latency_ms = 1.25;
  return format_event(event);
}

TEST(Sha256, MatchesKnownDigest) {
  // FIPS 180-2 test vector for "abc".
  EXPECT_EQ(to_hex(sha256("abc")),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(to_hex(sha256("a", "bc")), to_hex(sha256("abc")));
}

TEST(Sha256, ParsesHex) {
  sha256_digest digest{};
  ASSERT_TRUE(parse_hex_digest(to_hex(sha256("abc")), digest));
  EXPECT_EQ(digest, sha256("abc"));
  EXPECT_FALSE(parse_hex_digest("abc", digest));
  EXPECT_FALSE(parse_hex_digest(std::string(64, 'g'), digest));
}

TEST(Canonical, RoundTripsFields) {
  record_fields fields = sample_fields();
  fields.emplace_back("sink-a");
  fields.emplace_back("7");
  std::string bytes = encode_canonical(record_kind::event, fields);
  EXPECT_EQ(bytes.rfind("memgov-audit-record/1 mem0_audit_log\n", 0), 0u);
  std::string error;
  auto decoded = decode_canonical(bytes, error);
  ASSERT_TRUE(decoded) << error;
  EXPECT_EQ(decoded->kind, record_kind::event);
  EXPECT_EQ(decoded->fields, fields);
}

TEST(Canonical, PrefixEqualsEncodedFields) {
  protocol::audit_event event;
  event.event_id = "6F1C2A0E-8B1D-4C3E-9F2A-1B2C3D4E5F60";
  event.timestamp_unix_us = 1'700'000'000'000'000;
  event.decision = "deny";
  event.path = "/memories/\xff";
  event.reason = std::string("nul\0x", 5);
  event.latency_ms = std::numeric_limits<double>::quiet_NaN();
  EXPECT_EQ(encode_canonical_prefix(event),
            encode_canonical(record_kind::event, format_event(event)));
  event.status_code = 403;
  event.latency_ms = 0.1;
  event.tenant_id = "acme";
  EXPECT_EQ(encode_canonical_prefix(event),
            encode_canonical(record_kind::event, format_event(event)));

  protocol::audit_outcome outcome;
  outcome.event_id = event.event_id;
  outcome.timestamp_unix_us = event.timestamp_unix_us;
  outcome.error = "caf\xC3";
  EXPECT_EQ(encode_canonical_prefix(outcome, 5),
            encode_canonical(record_kind::outcome, format_outcome(outcome, 5)));
}

TEST(Canonical, ReadsFieldsInPlace) {
  record_fields fields = sample_fields();
  fields.emplace_back("sink-a");
  fields.emplace_back("7");
  std::string bytes = encode_canonical(record_kind::event, fields);
  std::string error;
  EXPECT_EQ(check_canonical(bytes, error), record_kind::event) << error;
  EXPECT_EQ(canonical_field(bytes, 0), "6f1c2a0e-8b1d-4c3e-9f2a-1b2c3d4e5f60");
  EXPECT_EQ(canonical_field(bytes, 17), "7");
  EXPECT_EQ(canonical_field(bytes, 4), std::nullopt);  // actor_id is NULL.
  EXPECT_EQ(canonical_field(bytes, 18), std::nullopt);
}

TEST(Canonical, DistinguishesNullFromEmpty) {
  record_fields with_null(18);
  record_fields with_empty(18);
  with_empty[2] = std::string();
  EXPECT_NE(encode_canonical(record_kind::event, with_null),
            encode_canonical(record_kind::event, with_empty));
}

TEST(Canonical, RejectsMalformedBytes) {
  record_fields fields(18, std::string("x"));
  std::string bytes = encode_canonical(record_kind::event, fields);
  std::string error;
  EXPECT_FALSE(decode_canonical("memgov-audit-record/1 other\n", error));
  EXPECT_NE(error.find("tag"), std::string::npos) << error;
  EXPECT_FALSE(decode_canonical(bytes.substr(0, bytes.size() - 1), error));
  EXPECT_FALSE(decode_canonical(bytes + "x", error));
  EXPECT_NE(error.find("after its last field"), std::string::npos) << error;
  record_fields short_fields(17, std::string("x"));
  EXPECT_FALSE(decode_canonical(encode_canonical(record_kind::event, short_fields), error));
  EXPECT_NE(error.find("expected 18"), std::string::npos) << error;
}

TEST(RecordChain, LinksConsecutiveRecords) {
  chain_position position;
  linked_record first = link_record(position, "sink-a", record_kind::event, sample_fields());
  linked_record second = link_record(position, "sink-a", record_kind::event, sample_fields());
  EXPECT_EQ(first.sequence, 1u);
  EXPECT_EQ(first.prev_hash, kGenesisHash);
  EXPECT_EQ(second.sequence, 2u);
  EXPECT_EQ(second.prev_hash, first.row_hash);
  EXPECT_EQ(position.sequence, 2u);
  EXPECT_EQ(position.row_hash, second.row_hash);
  // Same fields, other sequence: the hash covers the sequence.
  EXPECT_NE(first.row_hash, second.row_hash);
  EXPECT_EQ(first.row_hash, chain_hash(first.prev_hash, first.canonical));
}

TEST(RecordChain, HashCoversSinkAndEveryField) {
  chain_position a;
  chain_position b;
  linked_record base = link_record(a, "sink-a", record_kind::event, sample_fields());
  EXPECT_NE(base.row_hash, link_record(b, "sink-b", record_kind::event, sample_fields()).row_hash);
  record_fields changed = sample_fields();
  changed[8] = "deny";
  chain_position c;
  EXPECT_NE(base.row_hash, link_record(c, "sink-a", record_kind::event, changed).row_hash);
  std::string error;
  auto decoded = decode_canonical(base.canonical, error);
  ASSERT_TRUE(decoded) << error;
  EXPECT_EQ(decoded->fields[sink_id_field(record_kind::event)], "sink-a");
  EXPECT_EQ(decoded->fields[sequence_field(record_kind::event)], "1");
}

}  // namespace
}  // namespace memgov::audit
