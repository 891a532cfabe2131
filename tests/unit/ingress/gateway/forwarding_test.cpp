#include "upstream/forwarding.hpp"

#include <gtest/gtest.h>

#include <optional>
#include <string>

#include <boost/beast/http/field.hpp>

namespace memgov::ingress::upstream {
namespace {

namespace http = boost::beast::http;

TEST(EncodePath, KeepsCanonicalPaths) {
  EXPECT_EQ(encode_path("/memories"), "/memories");
  EXPECT_EQ(encode_path("/memories/3fa85f64-5717-4562-b3fc-2c963f66afa6/history"),
            "/memories/3fa85f64-5717-4562-b3fc-2c963f66afa6/history");
  EXPECT_EQ(encode_path("/memories/a:b@c+d"), "/memories/a:b@c+d");
}

TEST(EncodePath, EscapesWhatOneDecodingWouldChange) {
  EXPECT_EQ(encode_path("/memories/50%"), "/memories/50%25");
  EXPECT_EQ(encode_path("/memories/a b"), "/memories/a%20b");
  EXPECT_EQ(encode_path("/memories/a?b#c"), "/memories/a%3Fb%23c");
  EXPECT_EQ(encode_path("/memories/caf\xc3\xa9"), "/memories/caf%C3%A9");
}

TEST(UpstreamTarget, AppendsTheRawQuery) {
  EXPECT_EQ(upstream_target("", "/memories", "/memories?user_id=a%40b&top_k=5"),
            "/memories?user_id=a%40b&top_k=5");
  EXPECT_EQ(upstream_target("", "/memories", "/memories"), "/memories");
  EXPECT_EQ(upstream_target("", "/memories", "/memories?"), "/memories?");
}

TEST(UpstreamTarget, UsesTheDecodedPathAndBasePath) {
  EXPECT_EQ(upstream_target("/mem0", "/memories/abc", "/memories/%61bc?x=1"),
            "/mem0/memories/abc?x=1");
}

TEST(PrepareUpstreamRequest, SetsGatewayHeadersAndKeepsBody) {
  http::request<http::string_body> request(http::verb::post, "/memories", 10);
  request.set(http::field::host, "gateway");
  request.set(http::field::content_type, "application/json");
  request.set("X-User-Id", "alice");
  request.set("X-Api-Key", "client-key");
  request.set("X-Request-Id", "client-id");
  request.set("traceparent", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01");
  request.body() = "{ \"user_id\" : \"alice\" }";
  const char* body_data = request.body().data();

  std::optional<std::string> key = std::string("gateway-key");
  prepare_upstream_request(request, "/base/memories", forward_headers{"mem0:8000", &key, "req-1"});

  EXPECT_EQ(request.target(), "/base/memories");
  EXPECT_EQ(request.version(), 11u);
  EXPECT_EQ(request[http::field::host], "mem0:8000");
  EXPECT_EQ(request["X-API-Key"], "gateway-key");
  EXPECT_EQ(request.count("X-API-Key"), 1u);
  EXPECT_EQ(request["X-Request-Id"], "req-1");
  EXPECT_EQ(request.count("X-User-Id"), 0u);
  EXPECT_EQ(request["traceparent"], "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01");
  EXPECT_EQ(request[http::field::content_type], "application/json");
  EXPECT_EQ(request[http::field::content_length], std::to_string(request.body().size()));
  EXPECT_TRUE(request.keep_alive());
  EXPECT_EQ(request.body(), "{ \"user_id\" : \"alice\" }");
  EXPECT_EQ(request.body().data(), body_data);
}

TEST(PrepareUpstreamRequest, SendsNoKeyWhenUnset) {
  http::request<http::string_body> request(http::verb::get, "/memories", 11);
  request.set("X-Api-Key", "client-key");
  std::optional<std::string> key;
  prepare_upstream_request(request, "/memories", forward_headers{"mem0", &key, "r"});
  EXPECT_EQ(request.count("X-Api-Key"), 0u);
}

TEST(PrepareClientResponse, RelaysStatusBodyAndContentType) {
  http::response<http::string_body> response(http::status::not_found, 11);
  response.set(http::field::content_type, "application/json");
  response.set(http::field::connection, "close");
  response.set("X-Request-ID", "mem0-id");
  response.body() = "{\"detail\":\"Memory not found\"}";

  prepare_client_response(response, "req-2", 10, true);

  EXPECT_EQ(response.result(), http::status::not_found);
  EXPECT_EQ(response.version(), 10u);
  EXPECT_TRUE(response.keep_alive());
  EXPECT_EQ(response["X-Request-Id"], "req-2");
  EXPECT_EQ(response.count("X-Request-Id"), 1u);
  EXPECT_EQ(response[http::field::content_type], "application/json");
  EXPECT_EQ(response.body(), "{\"detail\":\"Memory not found\"}");
}

}  // namespace
}  // namespace memgov::ingress::upstream
