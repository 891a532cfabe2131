#include "pipeline/stage_replies.hpp"

#include <gtest/gtest.h>

#include "protocol/envelope.hpp"

namespace memgov::ingress::pipeline {
namespace {

using protocol::message_kind;

template <class Body>
transport::call_result ok_result(message_kind kind, const Body& body) {
  transport::call_result result;
  result.status = transport::call_status::ok;
  result.peer = "tcp://127.0.0.1:1";
  result.reply = std::move(protocol::decode(protocol::encode(kind, 7, body)).envelope);
  return result;
}

TEST(PackToString, MatchesPackBody) {
  protocol::audit_event event;
  event.event_id = "e";
  event.request_id = "r";
  event.decision = "allow";
  event.status_code = 403;
  event.latency_ms = 1.5;
  EXPECT_EQ(pack_to_string(event), protocol::pack_body(event));

  protocol::ratelimit_request request{"r", "tenant", "actor", std::string(1000, 'x')};
  EXPECT_EQ(pack_to_string(request), protocol::pack_body(request));
}

TEST(DecodeReply, ReturnsTheBody) {
  auto outcome = decode_reply<protocol::audit_ack>(
      ok_result(message_kind::audit_ack, protocol::audit_ack{true, ""}), message_kind::audit_ack);
  ASSERT_TRUE(outcome.reply.has_value());
  EXPECT_TRUE(outcome.reply->durable);
  EXPECT_TRUE(outcome.error.empty());
}

TEST(DecodeReply, FailedCallKeepsItsError) {
  transport::call_result result;
  result.status = transport::call_status::timed_out;
  result.error = "authz did not answer within 300 ms";
  auto outcome = decode_reply<protocol::authz_reply>(result, message_kind::authz_result);
  EXPECT_FALSE(outcome.reply.has_value());
  EXPECT_EQ(outcome.error, "authz did not answer within 300 ms");
}

TEST(DecodeReply, FailedCallWithoutErrorNamesStatus) {
  transport::call_result result;
  result.status = transport::call_status::unavailable;
  auto outcome = decode_reply<protocol::authz_reply>(result, message_kind::authz_result);
  EXPECT_EQ(outcome.error, "unavailable");
}

TEST(DecodeReply, WrongKindIsAnError) {
  auto outcome = decode_reply<protocol::audit_ack>(
      ok_result(message_kind::pong, protocol::pong_reply{}), message_kind::audit_ack);
  EXPECT_FALSE(outcome.reply.has_value());
  EXPECT_NE(outcome.error.find("unexpected reply kind"), std::string::npos) << outcome.error;
}

TEST(DecodeReply, WrongShapeIsAnError) {
  auto outcome = decode_reply<protocol::authz_reply>(
      ok_result(message_kind::authz_result, std::string("not an array")),
      message_kind::authz_result);
  EXPECT_FALSE(outcome.reply.has_value());
  EXPECT_NE(outcome.error.find("unreadable"), std::string::npos) << outcome.error;
}

}  // namespace
}  // namespace memgov::ingress::pipeline
