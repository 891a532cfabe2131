#include "request/identity.hpp"

#include <string>
#include <vector>

#include <gtest/gtest.h>

namespace memgov::ingress::request {
namespace {

std::vector<header_field> valid_headers() {
  return {{"X-User-Id", "alice"}, {"X-User-Role", "member"}, {"X-Tenant-Id", "acme"}};
}

TEST(ParseIdentity, AcceptsValidHeaders) {
  const auto headers = valid_headers();
  const identity_result result = parse_identity(headers);
  EXPECT_EQ(result.error, "");
  EXPECT_EQ(result.identity.actor, "alice");
  EXPECT_EQ(result.identity.tenant, "acme");
  EXPECT_EQ(result.identity.role_header, "member");
  EXPECT_EQ(result.identity.roles, std::vector<std::string>{"member"});
}

TEST(ParseIdentity, MatchesNamesInAnyCaseAndWithUnderscores) {
  const std::vector<header_field> headers = {
      {"x-user-id", "alice"}, {"X_USER_ROLE", "member"}, {"x_Tenant-ID", "acme"}};
  const identity_result result = parse_identity(headers);
  EXPECT_EQ(result.error, "");
  EXPECT_EQ(result.identity.actor, "alice");
  EXPECT_EQ(result.identity.tenant, "acme");
}

TEST(ParseIdentity, SplitsAndTrimsRoles) {
  const std::vector<header_field> headers = {{"X-User-Id", "alice"},
                                             {"X-User-Role", "  admin , supervisor,member\t"},
                                             {"X-Tenant-Id", "t"}};
  const identity_result result = parse_identity(headers);
  ASSERT_EQ(result.error, "");
  EXPECT_EQ(result.identity.roles, (std::vector<std::string>{"admin", "supervisor", "member"}));
  EXPECT_EQ(result.identity.role_header, "admin , supervisor,member");
}

TEST(ParseIdentity, AcceptsSafeCharacters) {
  const std::vector<header_field> headers = {{"X-User-Id", "svc:bot-1_a.b@example.org"},
                                             {"X-User-Role", "agent"},
                                             {"X-Tenant-Id", "Tenant-42"}};
  const identity_result result = parse_identity(headers);
  EXPECT_EQ(result.error, "");
  EXPECT_EQ(result.identity.actor, "svc:bot-1_a.b@example.org");
}

struct rejected_case {
  const char* label;
  std::vector<header_field> headers;
  std::string expected_error;
};

TEST(ParseIdentity, RejectsBadHeaders) {
  const std::string long_value(257, 'a');
  const std::string max_value(256, 'a');
  const std::vector<rejected_case> cases = {
      {"no actor",
       {{"X-User-Role", "member"}, {"X-Tenant-Id", "acme"}},
       "missing X-User-Id header"},
      {"no role", {{"X-User-Id", "a"}, {"X-Tenant-Id", "acme"}}, "missing X-User-Role header"},
      {"no tenant", {{"X-User-Id", "a"}, {"X-User-Role", "r"}}, "missing X-Tenant-Id header"},
      {"empty tenant",
       {{"X-User-Id", "a"}, {"X-User-Role", "r"}, {"X-Tenant-Id", "  "}},
       "missing X-Tenant-Id header (the value is empty)"},
      {"empty role",
       {{"X-User-Id", "a"}, {"X-User-Role", ""}, {"X-Tenant-Id", "t"}},
       "missing X-User-Role header (the value is empty)"},
      {"tenant twice",
       {{"X-User-Id", "a"}, {"X-User-Role", "r"}, {"X-Tenant-Id", "t"}, {"x-tenant-id", "t"}},
       "X-Tenant-Id header is sent more than once"},
      {"actor twice with underscore spelling",
       {{"X-User-Id", "a"}, {"X_User_Id", "b"}, {"X-User-Role", "r"}, {"X-Tenant-Id", "t"}},
       "X-User-Id header is sent more than once"},
      {"role twice",
       {{"X-User-Id", "a"}, {"X-User-Role", "r"}, {"X-User-Role", "admin"}, {"X-Tenant-Id", "t"}},
       "X-User-Role header is sent more than once"},
      {"tenant too long",
       {{"X-User-Id", "a"}, {"X-User-Role", "r"}, {"X-Tenant-Id", long_value}},
       "X-Tenant-Id header is longer than 256 bytes"},
      {"control character in actor",
       {{"X-User-Id",
         "a\x01"
         "b"},
        {"X-User-Role", "r"},
        {"X-Tenant-Id", "t"}},
       "X-User-Id header contains a character that is not printable ASCII"},
      {"non-ASCII in tenant",
       {{"X-User-Id", "a"}, {"X-User-Role", "r"}, {"X-Tenant-Id", "t\xc3\xa9"}},
       "X-Tenant-Id header contains a character that is not printable ASCII"},
      {"slash in tenant",
       {{"X-User-Id", "a"}, {"X-User-Role", "r"}, {"X-Tenant-Id", "acme/other"}},
       "X-Tenant-Id header contains '/'; only letters, digits and - _ . : @ are allowed"},
      {"space inside actor",
       {{"X-User-Id", "al ice"}, {"X-User-Role", "r"}, {"X-Tenant-Id", "t"}},
       "X-User-Id header contains ' '; only letters, digits and - _ . : @ are allowed"},
      {"comma in tenant",
       {{"X-User-Id", "a"}, {"X-User-Role", "r"}, {"X-Tenant-Id", "a,b"}},
       "X-Tenant-Id header contains ','; only letters, digits and - _ . : @ are allowed"},
      {"wildcard actor",
       {{"X-User-Id", "*"}, {"X-User-Role", "r"}, {"X-Tenant-Id", "t"}},
       "X-User-Id header contains '*'; only letters, digits and - _ . : @ are allowed"},
      {"empty role in list",
       {{"X-User-Id", "a"}, {"X-User-Role", "admin,,member"}, {"X-Tenant-Id", "t"}},
       "X-User-Role header contains an empty role name"},
      {"trailing comma in roles",
       {{"X-User-Id", "a"}, {"X-User-Role", "admin,"}, {"X-Tenant-Id", "t"}},
       "X-User-Role header contains an empty role name"},
      {"bad role character",
       {{"X-User-Id", "a"}, {"X-User-Role", "admin;drop"}, {"X-Tenant-Id", "t"}},
       "X-User-Role header contains ';'; only letters, digits and - _ . : @ are allowed"},
      {"tab inside role",
       {{"X-User-Id", "a"}, {"X-User-Role", "ad\tmin"}, {"X-Tenant-Id", "t"}},
       "X-User-Role header contains a character that is not printable ASCII"},
  };
  for (const auto& c : cases) {
    const identity_result result = parse_identity(c.headers);
    EXPECT_EQ(result.error, c.expected_error) << c.label;
  }

  const std::vector<header_field> at_limit = {
      {"X-User-Id", max_value}, {"X-User-Role", "r"}, {"X-Tenant-Id", "t"}};
  EXPECT_EQ(parse_identity(at_limit).error, "") << "256 bytes is the maximum, not beyond it";
}

TEST(ParseIdentity, KeepsValidHeadersWhenAnotherFails) {
  const std::vector<header_field> headers = {
      {"X-User-Id", "alice"}, {"X-User-Role", "member"}, {"X-Tenant-Id", "bad tenant"}};
  const identity_result result = parse_identity(headers);
  EXPECT_NE(result.error, "");
  EXPECT_EQ(result.identity.actor, "alice");
  EXPECT_EQ(result.identity.roles, std::vector<std::string>{"member"});
  EXPECT_EQ(result.identity.tenant, "");
}

TEST(ParseIdentity, ReportsActorBeforeTenant) {
  const std::vector<header_field> headers = {{"X-User-Role", "member"}};
  EXPECT_EQ(parse_identity(headers).error, "missing X-User-Id header");
}

}  // namespace
}  // namespace memgov::ingress::request
