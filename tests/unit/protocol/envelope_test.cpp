#include "protocol/envelope.hpp"

#include <gtest/gtest.h>

namespace memgov::protocol {
namespace {

TEST(Envelope, RoundTripsBodyAndHeader) {
  ratelimit_request request{"req-1", "acme", "agent-1", "agent-writer"};
  std::string frame = encode(message_kind::ratelimit_check, 42, request);

  decode_result decoded = decode(frame);
  ASSERT_TRUE(decoded.envelope) << decoded.error;
  EXPECT_EQ(decoded.envelope->header().kind, message_kind::ratelimit_check);
  EXPECT_EQ(decoded.envelope->header().correlation_id, 42u);
  auto body = decoded.envelope->body_as<ratelimit_request>();
  ASSERT_TRUE(body);
  EXPECT_EQ(body->tenant, "acme");
  EXPECT_EQ(body->role, "agent-writer");
}

TEST(Envelope, PackedBodyMatchesDirectEncoding) {
  authz_request request;
  request.request_id = "r";
  request.roles = {"admin"};
  request.subjects = {{"user_id", "alice", ""}};
  EXPECT_EQ(encode_packed(message_kind::authz_check, 7, pack_body(request)),
            encode(message_kind::authz_check, 7, request));
}

TEST(Envelope, RejectsGarbage) {
  decode_result decoded = decode(std::string("\xc1\xc1", 2));
  EXPECT_FALSE(decoded.envelope);
  EXPECT_FALSE(decoded.error.empty());
}

TEST(Envelope, RejectsOtherProtocolVersion) {
  msgpack::sbuffer buffer;
  msgpack::packer<msgpack::sbuffer> packer(buffer);
  packer.pack_array(4);
  packer.pack(static_cast<std::uint8_t>(kProtocolVersion + 1));
  packer.pack(static_cast<std::uint8_t>(message_kind::ping));
  packer.pack(std::uint64_t{1});
  packer.pack(ping_request{"x"});
  decode_result decoded = decode(std::string_view(buffer.data(), buffer.size()));
  EXPECT_FALSE(decoded.envelope);
  EXPECT_NE(decoded.error.find("protocol version"), std::string::npos) << decoded.error;
}

TEST(Envelope, RejectsUnknownKind) {
  msgpack::sbuffer buffer;
  msgpack::packer<msgpack::sbuffer> packer(buffer);
  packer.pack_array(4);
  packer.pack(kProtocolVersion);
  packer.pack(std::uint8_t{99});
  packer.pack(std::uint64_t{1});
  packer.pack_array(0);
  decode_result decoded = decode(std::string_view(buffer.data(), buffer.size()));
  EXPECT_FALSE(decoded.envelope);
}

TEST(Envelope, WrongBodyShapeGivesNoValue) {
  std::string frame = encode(message_kind::ping, 1, std::string("not an array"));
  decode_result decoded = decode(frame);
  ASSERT_TRUE(decoded.envelope);
  EXPECT_FALSE(decoded.envelope->body_as<authz_request>());
}

TEST(Envelope, OlderSenderWithFewerFieldsStillDecodes) {
  // A sender that predates the last two fields of ratelimit_reply.
  msgpack::sbuffer buffer;
  msgpack::packer<msgpack::sbuffer> packer(buffer);
  packer.pack_array(4);
  packer.pack(kProtocolVersion);
  packer.pack(static_cast<std::uint8_t>(message_kind::ratelimit_result));
  packer.pack(std::uint64_t{3});
  packer.pack_array(3);
  packer.pack(true);
  packer.pack(std::uint32_t{10});
  packer.pack(std::uint32_t{9});
  decode_result decoded = decode(std::string_view(buffer.data(), buffer.size()));
  ASSERT_TRUE(decoded.envelope);
  auto reply = decoded.envelope->body_as<ratelimit_reply>();
  ASSERT_TRUE(reply);
  EXPECT_TRUE(reply->allowed);
  EXPECT_EQ(reply->remaining, 9u);
  EXPECT_EQ(reply->retry_after_seconds, 0u);
}

TEST(Envelope, AuditOutcomeRoundTrips) {
  audit_outcome outcome;
  outcome.event_id = "0b3f5c1e-2d4a-4e6f-8a9b-0c1d2e3f4a5b";
  outcome.timestamp_unix_us = 1'700'000'000'000'001;
  outcome.request_id = "req-9";
  outcome.status_code = 502;
  outcome.upstream_status = 500;
  outcome.upstream_latency_ms = 12.25;
  outcome.latency_ms = 13.5;
  outcome.error = "upstream failed";
  outcome.completed_unix_us = 1'700'000'000'013'501;
  std::string frame = encode(message_kind::audit_outcome, 5, outcome);

  decode_result decoded = decode(frame);
  ASSERT_TRUE(decoded.envelope) << decoded.error;
  EXPECT_EQ(decoded.envelope->header().kind, message_kind::audit_outcome);
  EXPECT_STREQ(to_string(message_kind::audit_outcome), "audit_outcome");
  auto body = decoded.envelope->body_as<audit_outcome>();
  ASSERT_TRUE(body);
  EXPECT_EQ(body->event_id, outcome.event_id);
  EXPECT_EQ(body->timestamp_unix_us, outcome.timestamp_unix_us);
  EXPECT_EQ(body->upstream_status, 500);
  EXPECT_DOUBLE_EQ(body->upstream_latency_ms, 12.25);
  EXPECT_EQ(body->error, "upstream failed");
  EXPECT_EQ(body->completed_unix_us, outcome.completed_unix_us);
}

}  // namespace
}  // namespace memgov::protocol
