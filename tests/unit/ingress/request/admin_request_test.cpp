#include "request/admin_request.hpp"

#include <string>

#include <gtest/gtest.h>

#include "request/classify.hpp"

namespace memgov::ingress::request {
namespace {

TEST(AssignBody, ValidBody) {
  admin_parse_result parsed =
      parse_assign_body(R"({"tenant": "acme-corp", "kind": "agent_id", "id": "bot-1"})");
  ASSERT_EQ(parsed.error, "");
  EXPECT_EQ(parsed.target.tenant, "acme-corp");
  EXPECT_EQ(parsed.target.kind, "agent_id");
  EXPECT_EQ(parsed.target.id, "bot-1");
}

TEST(AssignBody, RejectedBodies) {
  struct bad_case {
    std::string body;
    std::string reason;
  };
  const bad_case cases[] = {
      {"", "request body is not valid JSON (at byte 1)"},
      {"[]", "request body is not a JSON object"},
      {R"("x")", "request body is not a JSON object"},
      {R"({"tenant": "a", "kind": "user_id", "id": "x", "tenant": "b"})",
       "key 'tenant' is repeated"},
      {R"({"tenant": "a", "kind": "user_id", "id": {"x": 1}})",
       "key 'id' is an object; expected a string"},
      {R"({"tenant": "a", "kind": "user_id", "id": ["x"]})",
       "key 'id' is a list; expected a string"},
      {R"({"tenant": "a", "kind": "user_id", "id": null})", "key 'id' is null; expected a string"},
      {R"({"tenant": "a", "kind": "user_id"})", "request body has no id or an empty one"},
      {R"({"tenant": "", "kind": "user_id", "id": "x"})",
       "request body has no tenant or an empty one"},
      {R"({"tenant": "a", "kind": "memory_id", "id": "x"})",
       "kind 'memory_id' is not a subject kind; expected user_id, agent_id or run_id"},
      {R"({"tenant": "a", "kind": "user_id", "id": "*"})", "id may not be the wildcard *"},
      {R"({"tenant": "a", "kind": "user_id", "id": "a b"})", "id contains whitespace"},
      {R"({"tenant": "a", "kind": "user_id", "id": "a\u0000"})", "id contains a control character"},
      {R"({"tenant": "a/b", "kind": "user_id", "id": "x"})",
       "tenant contains a character other than letters, digits and - _ . : @"},
      {R"({"tenant": "a", "kind": "user_id", "id": "x", "extra": "y"})",
       "unknown key 'extra'; expected tenant, kind and id"},
  };
  for (const bad_case& c : cases) {
    EXPECT_EQ(parse_assign_body(c.body).error, c.reason) << c.body;
  }
}

TEST(AssignBody, InvalidUtf8Rejected) {
  std::string body = "{\"tenant\": \"a\", \"kind\": \"user_id\", \"id\": \"\xff\"}";
  EXPECT_EQ(parse_assign_body(body).error.rfind("request body is not valid JSON", 0), 0u);
}

parsed_query query_of(std::string_view raw) {
  parsed_query query = parse_query(raw);
  EXPECT_EQ(query.error, "") << raw;
  return query;
}

TEST(ListQuery, DefaultsAndParameters) {
  admin_parse_result plain = parse_list_query("acme", query_of(""));
  ASSERT_EQ(plain.error, "");
  EXPECT_EQ(plain.target.tenant, "acme");
  EXPECT_EQ(plain.target.kind, "");
  EXPECT_EQ(plain.target.limit, kDefaultSubjectPage);

  admin_parse_result full =
      parse_list_query("acme", query_of("kind=run_id&limit=5&cursor=user_id%3Aalice%3A1"));
  ASSERT_EQ(full.error, "");
  EXPECT_EQ(full.target.kind, "run_id");
  EXPECT_EQ(full.target.limit, 5u);
  EXPECT_EQ(full.target.after_kind, "user_id");
  EXPECT_EQ(full.target.after_id, "alice:1");
  EXPECT_EQ(subject_cursor("user_id", "alice:1"), "user_id:alice:1");
}

TEST(ListQuery, RejectedQueries) {
  EXPECT_EQ(parse_list_query("acme", query_of("limit=abc")).error,
            "query parameter limit must be a whole number from 1 to 1000");
  EXPECT_EQ(parse_list_query("acme", query_of("limit=1000")).error, "");
  EXPECT_EQ(parse_list_query("acme", query_of("limit=1001")).error,
            "query parameter limit must be a whole number from 1 to 1000");
  EXPECT_EQ(parse_list_query("acme", query_of("cursor=memory_id%3Ax")).error,
            "cursor kind 'memory_id' is not a subject kind; expected user_id, agent_id or run_id");
  EXPECT_EQ(parse_list_query("acme", query_of("cursor=user_id%3A")).error, "cursor id is empty");
  EXPECT_EQ(parse_list_query("acme", query_of("sort=id")).error,
            "unknown query parameter 'sort'; expected kind, limit or cursor");
  EXPECT_EQ(parse_list_query("a b", query_of("")).error,
            "tenant in the path contains a character other than letters, digits and - _ . : @");
}

classified_request classify(std::string_view method, std::string_view target,
                            std::string_view body = {}) {
  static const std::vector<header_field> headers = {
      {"X-User-Id", "alice"}, {"X-User-Role", "admin"}, {"X-Tenant-Id", "acme"}};
  request_input input;
  input.method = method;
  input.target = target;
  input.headers = headers;
  input.body = body;
  return classify_request(input);
}

TEST(ClassifyAdmin, AssignRoute) {
  classified_request c =
      classify("POST", "/admin/v1/subjects", R"({"tenant":"globex","kind":"user_id","id":"bob"})");
  ASSERT_EQ(c.status, request_status::ok) << c.reason;
  EXPECT_EQ(c.route, route_id::assign_subject);
  EXPECT_EQ(c.action, kActionAssignSubject);
  EXPECT_EQ(c.resource, "tenant:globex,user_id:bob");
  EXPECT_TRUE(c.subjects.empty());
  EXPECT_EQ(c.admin.tenant, "globex");
  EXPECT_EQ(c.admin.id, "bob");
}

TEST(ClassifyAdmin, ListRoute) {
  classified_request c = classify("GET", "/admin/v1/tenants/glo%62ex/subjects?kind=user_id");
  ASSERT_EQ(c.status, request_status::ok) << c.reason;
  EXPECT_EQ(c.route, route_id::list_subjects);
  EXPECT_EQ(c.action, kActionListSubjects);
  EXPECT_EQ(c.resource, "tenant:globex");
  EXPECT_EQ(c.admin.tenant, "globex");
  EXPECT_EQ(c.admin.kind, "user_id");
}

TEST(ClassifyAdmin, OtherShapesAreUnknownRoutes) {
  const char* const targets[][2] = {
      {"GET", "/admin/v1/subjects"},          {"POST", "/admin/v1/tenants/acme/subjects"},
      {"POST", "/admin/v2/subjects"},         {"POST", "/Admin/v1/subjects"},
      {"GET", "/admin/v1/tenants/acme/list"}, {"GET", "/admin/v1/tenants/acme/subjects/x"},
  };
  for (const auto& target : targets) {
    classified_request c = classify(target[0], target[1], "{}");
    EXPECT_EQ(c.status, request_status::unknown_route) << target[0] << " " << target[1];
  }
}

TEST(ClassifyAdmin, BadBodyIsInvalid) {
  classified_request c = classify("POST", "/admin/v1/subjects", R"({"tenant":"globex"})");
  EXPECT_EQ(c.status, request_status::invalid);
  EXPECT_EQ(c.reason, "request body has no kind or an empty one");
}

}  // namespace
}  // namespace memgov::ingress::request
