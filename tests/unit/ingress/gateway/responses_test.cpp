#include "http/responses.hpp"

#include <gtest/gtest.h>

#include <boost/beast/http/field.hpp>
#include <nlohmann/json.hpp>

namespace memgov::ingress::http {
namespace {

namespace beast_http = boost::beast::http;

TEST(ErrorBody, HasExactlyErrorReasonAndRequestId) {
  auto body = nlohmann::json::parse(error_body("forbidden", "tenant mismatch", "req-1"));
  ASSERT_TRUE(body.is_object());
  EXPECT_EQ(body.size(), 3u);
  EXPECT_EQ(body["error"], "forbidden");
  EXPECT_EQ(body["reason"], "tenant mismatch");
  EXPECT_EQ(body["request_id"], "req-1");
}

TEST(ErrorBody, EscapesQuotesAndControlCharacters) {
  std::string reason = "bad \"value\"\n\\ end \x01";
  auto body = nlohmann::json::parse(error_body("invalid_request", reason, "r"));
  EXPECT_EQ(body["reason"], reason);
}

TEST(ErrorResponse, CarriesStatusJsonTypeAndRequestId) {
  response_type response =
      error_response(beast_http::status::service_unavailable, "stage_unavailable",
                     "authz unavailable: down", "r-9", 11, true);
  EXPECT_EQ(response.result(), beast_http::status::service_unavailable);
  EXPECT_EQ(response[beast_http::field::content_type], "application/json");
  EXPECT_EQ(response["X-Request-Id"], "r-9");
  EXPECT_EQ(response[beast_http::field::content_length], std::to_string(response.body().size()));
  EXPECT_TRUE(response.keep_alive());
  auto body = nlohmann::json::parse(response.body());
  EXPECT_EQ(body["error"], "stage_unavailable");
}

TEST(ErrorResponse, CloseWhenKeepAliveIsOff) {
  response_type response =
      error_response(beast_http::status::bad_request, "bad_request", "x", "r", 11, false);
  EXPECT_FALSE(response.keep_alive());
  EXPECT_EQ(response[beast_http::field::connection], "close");
}

TEST(RetryAfter, IsWholeSecondsAtLeastOne) {
  EXPECT_EQ(retry_after_value(0), "1");
  EXPECT_EQ(retry_after_value(1), "1");
  EXPECT_EQ(retry_after_value(42), "42");
}

TEST(RateLimitHeaders, AreSetFromTheReply) {
  protocol::ratelimit_reply reply;
  reply.allowed = true;
  reply.limit = 100;
  reply.remaining = 0;
  reply.reset_seconds = 17;
  beast_http::fields fields;
  set_rate_limit_headers(fields, reply);
  EXPECT_EQ(fields["RateLimit-Limit"], "100");
  EXPECT_EQ(fields["RateLimit-Remaining"], "0");
  EXPECT_EQ(fields["RateLimit-Reset"], "17");
}

TEST(RateLimitHeaders, ReplaceEarlierValues) {
  beast_http::fields fields;
  fields.set("RateLimit-Limit", "1");
  protocol::ratelimit_reply reply;
  reply.limit = 5;
  set_rate_limit_headers(fields, reply);
  EXPECT_EQ(fields.count("RateLimit-Limit"), 1u);
  EXPECT_EQ(fields["RateLimit-Limit"], "5");
}

}  // namespace
}  // namespace memgov::ingress::http
