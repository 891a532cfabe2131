#include "upstream/header_filter.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include <boost/beast/http/fields.hpp>

namespace memgov::ingress::upstream {
namespace {

namespace http = boost::beast::http;

TEST(HeaderFilter, CanonicalNameFoldsCaseAndUnderscore) {
  EXPECT_EQ(canonical_header_name("X_User_Id"), "x-user-id");
  EXPECT_EQ(canonical_header_name("AUTHORIZATION"), "authorization");
  EXPECT_EQ(canonical_header_name("Content-Type"), "content-type");
}

TEST(HeaderFilter, IdentityAndCredentialSpellingsAreStripped) {
  const std::vector<std::string> spellings = {
      "X-User-Id",
      "x-user-id",
      "X_User_Id",
      "X-USER-ID",
      "x_user_id",
      "X-User_Id",
      "X-User-Role",
      "x_user_role",
      "X-Tenant-Id",
      "X_TENANT_ID",
      "X-Api-Key",
      "X-API-Key",
      "x_api_key",
      "Authorization",
      "authorization",
      "AUTHORIZATION",
      "Cookie",
      "cookie",
      "Proxy-Authorization",
      "proxy_authorization",
      "X-Forwarded-For",
      "x-forwarded-for",
      "X_Forwarded_Host",
      "X-Forwarded-Proto",
      "x-forwarded-anything",
      "Forwarded",
      "forwarded",
      "X-Real-Ip",
      "X-REAL-IP",
      "x_real_ip",
  };
  for (const auto& name : spellings) {
    EXPECT_TRUE(is_identity_or_credential_header(name)) << name;
  }
}

TEST(HeaderFilter, OrdinaryHeadersAreKept) {
  const std::vector<std::string> names = {
      "Content-Type", "Accept",          "traceparent", "tracestate", "User-Agent",
      "X-User",       "X-User-Identity", "X-Forwarded", "Cookies",    "X-Api-Keys",
  };
  for (const auto& name : names) {
    EXPECT_FALSE(is_identity_or_credential_header(name)) << name;
    EXPECT_FALSE(is_hop_by_hop_header(name)) << name;
  }
}

TEST(HeaderFilter, HopByHopSpellingsAreRecognized) {
  const std::vector<std::string> names = {"Connection",
                                          "connection",
                                          "Keep-Alive",
                                          "keep_alive",
                                          "TE",
                                          "te",
                                          "Trailer",
                                          "Transfer-Encoding",
                                          "transfer_encoding",
                                          "Upgrade",
                                          "Proxy-Connection",
                                          "Expect"};
  for (const auto& name : names) {
    EXPECT_TRUE(is_hop_by_hop_header(name)) << name;
  }
}

TEST(HeaderFilter, ConnectionTokensAreCanonical) {
  http::fields fields;
  fields.insert("Connection", "keep-alive, X_Secret ,x-other");
  fields.insert("connection", "Upgrade");
  std::vector<std::string> tokens = connection_tokens(fields);
  std::vector<std::string> expected = {"keep-alive", "x-secret", "x-other", "upgrade"};
  EXPECT_EQ(tokens, expected);
}

TEST(HeaderFilter, RequestStrippingKeepsOnlyForwardableHeaders) {
  http::fields fields;
  fields.insert("Host", "gateway:9000");
  fields.insert("Content-Type", "application/json");
  fields.insert("Content-Length", "12");
  fields.insert("X-User-Id", "alice");
  fields.insert("X_User_Id", "mallory");
  fields.insert("x-user-role", "admin");
  fields.insert("X-TENANT-ID", "acme");
  fields.insert("X-Api-Key", "client-key");
  fields.insert("Authorization", "Bearer token");
  fields.insert("Cookie", "session=1");
  fields.insert("X-Forwarded-For", "10.0.0.1");
  fields.insert("Forwarded", "for=10.0.0.1");
  fields.insert("X-Real-Ip", "10.0.0.1");
  fields.insert("Connection", "keep-alive, X-Hidden");
  fields.insert("X-Hidden", "named by Connection");
  fields.insert("x_hidden", "named by Connection, other spelling");
  fields.insert("Keep-Alive", "timeout=5");
  fields.insert("Transfer-Encoding", "chunked");
  fields.insert("Expect", "100-continue");
  fields.insert("X-Request-Id", "client-id");
  fields.insert("traceparent", "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01");
  fields.insert("Accept", "application/json");

  strip_request_headers(fields);

  std::vector<std::string> kept;
  for (const auto& field : fields)
    kept.emplace_back(field.name_string());
  std::vector<std::string> expected = {"Content-Type", "traceparent", "Accept"};
  EXPECT_EQ(kept, expected);
}

TEST(HeaderFilter, ResponseStrippingDropsHopByHopOnly) {
  http::fields fields;
  fields.insert("Content-Type", "application/json");
  fields.insert("Content-Length", "2");
  fields.insert("Connection", "close");
  fields.insert("Transfer-Encoding", "chunked");
  fields.insert("X-Request-ID", "mem0-id");
  fields.insert("Server", "uvicorn");
  fields.insert("WWW-Authenticate", "ApiKey");

  strip_response_headers(fields);

  std::vector<std::string> kept;
  for (const auto& field : fields)
    kept.emplace_back(field.name_string());
  std::vector<std::string> expected = {"Content-Type", "Server", "WWW-Authenticate"};
  EXPECT_EQ(kept, expected);
}

}  // namespace
}  // namespace memgov::ingress::upstream
