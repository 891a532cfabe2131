#include "upstream/trace_context.hpp"

#include <gtest/gtest.h>

#include <string>

#include <boost/beast/http/fields.hpp>

#include "upstream/header_filter.hpp"

namespace memgov::ingress::upstream {
namespace {

namespace http = boost::beast::http;

constexpr const char* kValid = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";

TEST(Traceparent, AcceptsWellFormedValues) {
  EXPECT_TRUE(is_valid_traceparent(kValid));
  EXPECT_TRUE(is_valid_traceparent("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00"));
  // A later version may carry more fields after the flags.
  EXPECT_TRUE(
      is_valid_traceparent("01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-extra"));
}

TEST(Traceparent, RejectsMalformedValues) {
  const char* cases[] = {
      "",
      "garbage",
      "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7",       // No flags.
      "00-4BF92F3577B34DA6A3CE929D0E0E4736-00F067AA0BA902B7-01",    // Upper case.
      "00-00000000000000000000000000000000-00f067aa0ba902b7-01",    // Zero trace id.
      "00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01",    // Zero parent id.
      "ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",    // Forbidden version.
      "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-x",  // Version 00 with more.
      "01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01x",   // No '-' before more.
      "00_4bf92f3577b34da6a3ce929d0e0e4736_00f067aa0ba902b7_01",    // Wrong separators.
      "00-4bf92f3577b34da6a3ce929d0e0e473g-00f067aa0ba902b7-01",    // Not hex.
  };
  for (const char* value : cases) {
    EXPECT_FALSE(is_valid_traceparent(value)) << value;
  }
}

TEST(Traceparent, RequestStrippingKeepsValidTraceContext) {
  http::fields fields;
  fields.set("traceparent", kValid);
  fields.set("tracestate", "vendor=value");
  strip_request_headers(fields);
  EXPECT_EQ(fields["traceparent"], kValid);
  EXPECT_EQ(fields["tracestate"], "vendor=value");
}

TEST(Traceparent, RequestStrippingDropsMalformedTraceContext) {
  http::fields fields;
  fields.set("Traceparent", "00-not-a-trace");
  fields.set("tracestate", "vendor=value");
  strip_request_headers(fields);
  EXPECT_EQ(fields.count("traceparent"), 0u);
  EXPECT_EQ(fields.count("tracestate"), 0u);
}

TEST(Traceparent, RequestStrippingDropsRepeatedTraceparent) {
  http::fields fields;
  fields.insert("traceparent", kValid);
  fields.insert("traceparent", kValid);
  strip_request_headers(fields);
  EXPECT_EQ(fields.count("traceparent"), 0u);
}

}  // namespace
}  // namespace memgov::ingress::upstream
