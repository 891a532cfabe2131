#include "request/classify.hpp"

#include <string>
#include <vector>

#include <gtest/gtest.h>

namespace memgov::ingress::request {
namespace {

std::vector<header_field> identity_headers() {
  return {{"X-User-Id", "alice"}, {"X-User-Role", "member"}, {"X-Tenant-Id", "acme"}};
}

classified_request classify(std::string_view method, std::string_view target,
                            std::string_view body = {},
                            std::vector<header_field> headers = identity_headers()) {
  request_input input;
  input.method = method;
  input.target = target;
  input.headers = headers;
  input.body = body;
  return classify_request(input);
}

std::vector<std::string> describe(const std::vector<protocol::subject_ref>& subjects) {
  std::vector<std::string> out;
  for (const auto& subject : subjects) {
    out.push_back(subject.kind + ":" + subject.id);
  }
  return out;
}

struct route_case {
  const char* method;
  const char* target;
  std::string body;
  route_id route;
  std::string_view action;
  std::string resource;
  std::vector<std::string> subjects;
};

TEST(ClassifyRequest, MapsRoutesToActions) {
  const std::vector<route_case> cases = {
      {"GET",
       "/memories?user_id=alice",
       "",
       route_id::list_memories,
       kActionRead,
       "user_id:alice",
       {"user_id:alice"}},
      {"GET",
       "/memories?user_id=alice&agent_id=bot&top_k=5",
       "",
       route_id::list_memories,
       kActionRead,
       "user_id:alice,agent_id:bot",
       {"user_id:alice", "agent_id:bot"}},
      {"GET",
       "/memories?user_id=*",
       "",
       route_id::list_memories,
       kActionRead,
       "user_id:*",
       {"user_id:*"}},
      {"GET", "/memories", "", route_id::list_memories, kActionAdmin, "*", {}},
      {"GET", "/memories?top_k=10", "", route_id::list_memories, kActionAdmin, "*", {}},
      {"DELETE",
       "/memories?agent_id=bot",
       "",
       route_id::delete_memories,
       kActionDelete,
       "agent_id:bot",
       {"agent_id:bot"}},
      {"DELETE", "/memories", "", route_id::delete_memories, kActionAdmin, "*", {}},
      {"POST",
       "/memories",
       R"({"messages":[{"role":"user","content":"hi"}],"user_id":"alice"})",
       route_id::add_memories,
       kActionWrite,
       "user_id:alice",
       {"user_id:alice"}},
      {"GET",
       "/memories/0b5e2f8a-1c3d-4e5f-8a9b-0c1d2e3f4a5b",
       "",
       route_id::get_memory,
       kActionRead,
       "memory:0b5e2f8a-1c3d-4e5f-8a9b-0c1d2e3f4a5b",
       {"memory_id:0b5e2f8a-1c3d-4e5f-8a9b-0c1d2e3f4a5b"}},
      {"PUT",
       "/memories/0b5e2f8a-1c3d-4e5f-8a9b-0c1d2e3f4a5b",
       R"({"text":"new"})",
       route_id::update_memory,
       kActionWrite,
       "memory:0b5e2f8a-1c3d-4e5f-8a9b-0c1d2e3f4a5b",
       {"memory_id:0b5e2f8a-1c3d-4e5f-8a9b-0c1d2e3f4a5b"}},
      {"PUT",
       "/memories/0b5e2f8a-1c3d-4e5f-8a9b-0c1d2e3f4a5b",
       R"({"text":"new","metadata":{"user_id":"bob"}})",
       route_id::update_memory,
       kActionWrite,
       "memory:0b5e2f8a-1c3d-4e5f-8a9b-0c1d2e3f4a5b,user_id:bob",
       {"memory_id:0b5e2f8a-1c3d-4e5f-8a9b-0c1d2e3f4a5b", "user_id:bob"}},
      {"DELETE",
       "/memories/0b5e2f8a-1c3d-4e5f-8a9b-0c1d2e3f4a5b",
       "",
       route_id::delete_memory,
       kActionDelete,
       "memory:0b5e2f8a-1c3d-4e5f-8a9b-0c1d2e3f4a5b",
       {"memory_id:0b5e2f8a-1c3d-4e5f-8a9b-0c1d2e3f4a5b"}},
      {"GET",
       "/memories/0b5e2f8a-1c3d-4e5f-8a9b-0c1d2e3f4a5b/history",
       "",
       route_id::memory_history,
       kActionRead,
       "memory:0b5e2f8a-1c3d-4e5f-8a9b-0c1d2e3f4a5b",
       {"memory_id:0b5e2f8a-1c3d-4e5f-8a9b-0c1d2e3f4a5b"}},
      {"POST",
       "/search",
       R"({"query":"tea","filters":{"user_id":"alice"}})",
       route_id::search,
       kActionRead,
       "user_id:alice",
       {"user_id:alice"}},
      {"POST",
       "/search",
       R"({"query":"tea","filters":{"user_id":{"ne":"alice"}}})",
       route_id::search,
       kActionRead,
       "user_id:*",
       {"user_id:*"}},
      {"POST", "/reset", "", route_id::reset, kActionAdmin, "*", {}},
      {"GET", "/configure", "", route_id::get_config, kActionAdmin, "*", {}},
      {"POST", "/configure", R"({"llm":{}})", route_id::set_config, kActionAdmin, "*", {}},
      {"GET",
       "/%6Demories?user_id=a",
       "",
       route_id::list_memories,
       kActionRead,
       "user_id:a",
       {"user_id:a"}},
  };
  for (const auto& c : cases) {
    const classified_request result = classify(c.method, c.target, c.body);
    const std::string context = std::string(c.method) + " " + c.target;
    ASSERT_EQ(result.status, request_status::ok) << context << ": " << result.reason;
    EXPECT_EQ(result.reason, "") << context;
    EXPECT_EQ(result.route, c.route) << context;
    EXPECT_EQ(result.action, c.action) << context;
    EXPECT_EQ(result.resource, c.resource) << context;
    EXPECT_EQ(describe(result.subjects), c.subjects) << context;
  }
}

TEST(ClassifyRequest, FillsIdentityAndPath) {
  const classified_request result =
      classify("GET", "/memories/0b5e2f8a%2D1c3d-4e5f-8a9b-0c1d2e3f4a5b");
  ASSERT_EQ(result.status, request_status::ok) << result.reason;
  EXPECT_EQ(result.path, "/memories/0b5e2f8a-1c3d-4e5f-8a9b-0c1d2e3f4a5b");
  EXPECT_EQ(result.identity.actor, "alice");
  EXPECT_EQ(result.identity.tenant, "acme");
  EXPECT_EQ(result.identity.roles, std::vector<std::string>{"member"});
  EXPECT_EQ(route_name(result.route), "GET /memories/{id}");
  for (const auto& subject : result.subjects) {
    EXPECT_EQ(subject.tenant, "") << "the ingress leaves the owner to authz";
  }
}

TEST(ClassifyRequest, RejectsUnknownRoutes) {
  struct unknown_case {
    const char* method;
    const char* target;
    bool known_path;
  };
  const std::vector<unknown_case> cases = {
      {"GET", "/Memories?user_id=a", false},
      {"GET", "/MEMORIES", false},
      {"GET", "/", false},
      {"GET", "/docs", false},
      {"GET", "/openapi.json", false},
      {"GET", "/configure/providers", false},
      {"GET", "/memories/0b5e2f8a-1c3d-4e5f-8a9b-0c1d2e3f4a5b/History", false},
      {"GET", "/memories/0b5e2f8a-1c3d-4e5f-8a9b-0c1d2e3f4a5b/history/x", false},
      {"POST", "/api-keys", false},
      {"GET", "/search", true},
      {"PATCH", "/memories/0b5e2f8a-1c3d-4e5f-8a9b-0c1d2e3f4a5b", true},
      {"POST", "/memories/0b5e2f8a-1c3d-4e5f-8a9b-0c1d2e3f4a5b", true},
      {"PUT", "/memories", true},
      {"HEAD", "/memories?user_id=a", true},
      {"get", "/memories?user_id=a", true},
      {"DELETE", "/reset", true},
      {"POST", "/memories/0b5e2f8a-1c3d-4e5f-8a9b-0c1d2e3f4a5b/history", true},
  };
  for (const auto& c : cases) {
    const std::string context = std::string(c.method) + " " + c.target;
    const classified_request result = classify(c.method, c.target);
    EXPECT_EQ(result.status, request_status::unknown_route) << context << ": " << result.reason;
    EXPECT_EQ(result.reason, "unknown route") << context;
    EXPECT_EQ(result.known_path, c.known_path) << context;
    EXPECT_EQ(result.action, "") << context;
    EXPECT_TRUE(result.subjects.empty()) << context;
  }
}

struct invalid_case {
  const char* label;
  const char* method;
  std::string target;
  std::string body;
  std::string expected_reason;
};

void expect_invalid(const std::vector<invalid_case>& cases,
                    const std::vector<header_field>& headers = identity_headers()) {
  for (const auto& c : cases) {
    const classified_request result = classify(c.method, c.target, c.body, headers);
    EXPECT_EQ(result.status, request_status::invalid) << c.label;
    EXPECT_EQ(result.reason, c.expected_reason) << c.label;
    EXPECT_EQ(result.action, "") << c.label;
    EXPECT_EQ(result.resource, "") << c.label;
    EXPECT_TRUE(result.subjects.empty()) << c.label;
  }
}

TEST(ClassifyRequest, RejectsAmbiguousTargets) {
  expect_invalid({
      {"encoded dot-segments", "GET", "/memories/%2e%2e/reset", "", "dot-segment in path"},
      {"raw dot-segment", "POST", "/memories/../reset", "", "dot-segment in path"},
      {"encoded slash", "GET", "/memories/a%2Fb", "", "encoded slash (%2F) in path segment"},
      {"encoded NUL", "GET", "/memories/a%00", "",
       "path contains a control character after percent-decoding"},
      {"malformed escape", "GET", "/memories/%zz", "", "malformed percent-escape in path"},
      {"truncated escape", "GET", "/memories/%4", "", "malformed percent-escape in path"},
      {"overlong UTF-8", "GET", "/memories/%C0%AF", "",
       "path is not valid UTF-8 after percent-decoding"},
      {"doubled slash", "GET", "//memories?user_id=a", "", "empty path segment (doubled slash)"},
      {"trailing slash", "GET", "/memories/?user_id=a", "", "trailing slash in path"},
      {"absolute form", "GET", "http://127.0.0.1/memories", "",
       "request target must be a path starting with '/'"},
      {"repeated query parameter", "GET", "/memories?user_id=a&user_id=b", "",
       "query parameter user_id is repeated"},
      {"repeated unrelated parameter", "GET", "/memories?user_id=a&top_k=1&top_k=2", "",
       "query parameter top_k is repeated"},
      {"malformed query escape", "GET", "/memories?user_id=%zz", "",
       "malformed percent-escape in query string"},
      {"plus decodes to space", "GET", "/memories?user_id=al+ice", "",
       "query parameter user_id contains whitespace"},
      {"empty id means no id upstream", "GET", "/memories?user_id=", "",
       "query parameter user_id is empty"},
      {"bare id parameter", "DELETE", "/memories?agent_id", "",
       "query parameter agent_id is empty"},
      {"padded id", "GET", "/memories?user_id=%20alice", "",
       "query parameter user_id contains whitespace"},
      {"NUL in query id", "GET", "/memories?user_id=a%00", "",
       "query parameter user_id contains a control character"},
      {"memory id with whitespace", "GET", "/memories/a%20b", "",
       "memory id in the path is not a lower-case UUID"},
      {"wildcard memory id", "GET", "/memories/%2A", "",
       "memory id in the path is not a lower-case UUID"},
      {"upper-case memory id", "DELETE", "/memories/0B5E2F8A-1C3D-4E5F-8A9B-0C1D2E3F4A5B", "",
       "memory id in the path is not a lower-case UUID"},
      {"memory id without hyphens", "GET", "/memories/0b5e2f8a1c3d4e5f8a9b0c1d2e3f4a5b", "",
       "memory id in the path is not a lower-case UUID"},
      {"_method parameter", "POST", "/memories?_method=DELETE", "",
       "method override is not accepted"},
      {"_METHOD parameter", "GET", "/memories?user_id=a&_METHOD=DELETE", "",
       "method override is not accepted"},
      {"encoded _method", "GET", "/memories?%5Fmethod=DELETE", "",
       "method override is not accepted"},
  });
}

TEST(ClassifyRequest, RejectsMethodOverrideHeaders) {
  const std::vector<const char*> names = {"X-HTTP-Method-Override", "x-http-method-override",
                                          "X-Http-Method-OVERRIDE", "X_HTTP_Method_Override",
                                          "X-HTTP-Method",          "x-method-override",
                                          "X-METHOD-OVERRIDE"};
  for (const char* name : names) {
    auto headers = identity_headers();
    headers.push_back({name, "DELETE"});
    const classified_request result = classify("POST", "/search", R"({"user_id":"a"})", headers);
    EXPECT_EQ(result.status, request_status::invalid) << name;
    EXPECT_EQ(result.reason, "method override is not accepted") << name;
  }
  auto headers = identity_headers();
  headers.push_back({"X-HTTP-Method-Overrides", "DELETE"});
  EXPECT_EQ(classify("GET", "/memories?user_id=a", "", headers).status, request_status::ok)
      << "only the exact names count";
}

TEST(ClassifyRequest, RejectsBadBodies) {
  expect_invalid({
      {"empty search body", "POST", "/search", "", "request body is empty; expected a JSON object"},
      {"search without ids", "POST", "/search", R"({"query":"q"})",
       "search names no user_id, agent_id or run_id"},
      {"search with empty filters", "POST", "/search", R"({"query":"q","filters":{}})",
       "search names no user_id, agent_id or run_id"},
      {"add without ids", "POST", "/memories", R"({"messages":[]})",
       "request body names no user_id, agent_id or run_id"},
      {"add with metadata id only", "POST", "/memories", R"({"metadata":{"user_id":"a"}})",
       "request body names no user_id, agent_id or run_id"},
      {"add with non-string id", "POST", "/memories", R"({"user_id":123})",
       "user_id in the request body must be a string"},
      {"invalid JSON", "POST", "/memories", R"({"user_id":"a",)",
       "request body is not valid JSON: syntax error while parsing object key - unexpected end "
       "of input; expected string literal"},
      {"duplicate key nested in filters", "POST", "/search",
       R"({"filters":{"OR":[{"user_id":"a"},{"agent_id":"b","agent_id":"*"}]}})",
       "duplicate JSON key 'agent_id'"},
      {"empty update body", "PUT", "/memories/0b5e2f8a-1c3d-4e5f-8a9b-0c1d2e3f4a5b", "",
       "request body is empty; expected a JSON object"},
      {"update body not an object", "PUT", "/memories/0b5e2f8a-1c3d-4e5f-8a9b-0c1d2e3f4a5b",
       "\"text\"", "request body must be a JSON object"},
  });
}

TEST(ClassifyRequest, IgnoresBodiesOfOtherRoutes) {
  EXPECT_EQ(classify("GET", "/memories?user_id=a", "not json").status, request_status::ok);
  EXPECT_EQ(classify("POST", "/configure", "not json").status, request_status::ok);
  EXPECT_EQ(classify("POST", "/reset", "").status, request_status::ok);
}

TEST(ClassifyRequest, ReportsIdentityErrorsWithPath) {
  const classified_request result =
      classify("GET", "/memories?user_id=a", "", {{"X-User-Id", "alice"}, {"X-User-Role", "r"}});
  EXPECT_EQ(result.status, request_status::invalid);
  EXPECT_EQ(result.reason, "missing X-Tenant-Id header");
  EXPECT_EQ(result.path, "/memories") << "the audit row still gets the path";
  EXPECT_EQ(result.identity.actor, "alice");
}

TEST(ClassifyRequest, ChecksInDocumentedOrder) {
  // The override header wins over a missing identity, which wins over a bad path.
  const classified_request first =
      classify("GET", "/memories/%zz", "", {{"X-HTTP-Method", "DELETE"}});
  EXPECT_EQ(first.reason, "method override is not accepted");
  const classified_request second = classify("GET", "/memories/%zz", "", {});
  EXPECT_EQ(second.reason, "missing X-User-Id header");
  const classified_request third = classify("GET", "/Memories/%zz");
  EXPECT_EQ(third.reason, "malformed percent-escape in path") << "invalid before unknown route";
  const classified_request fourth = classify("GET", "/unknown?user_id=a&user_id=b");
  EXPECT_EQ(fourth.reason, "query parameter user_id is repeated");
}

}  // namespace
}  // namespace memgov::ingress::request
