#include "request/body_identifiers.hpp"

#include <string>
#include <vector>

#include <gtest/gtest.h>

namespace memgov::ingress::request {
namespace {

struct scan_outcome {
  std::string error;
  bool names_top_level_id = false;
  std::vector<std::string> subjects;  // "kind:id"
};

scan_outcome scan(std::string_view body, body_schema schema) {
  subject_list subjects;
  const body_scan_result result = scan_body_identifiers(body, schema, subjects);
  scan_outcome out;
  out.error = result.error;
  out.names_top_level_id = result.names_top_level_id;
  for (const auto& subject : subjects.items()) {
    out.subjects.push_back(subject.kind + ":" + subject.id);
  }
  return out;
}

struct accepted_case {
  const char* label;
  std::string body;
  std::vector<std::string> subjects;
};

void expect_accepted(body_schema schema, const std::vector<accepted_case>& cases) {
  for (const auto& c : cases) {
    const scan_outcome out = scan(c.body, schema);
    EXPECT_EQ(out.error, "") << c.label << ": " << c.body;
    EXPECT_EQ(out.subjects, c.subjects) << c.label << ": " << c.body;
  }
}

struct rejected_case {
  const char* label;
  std::string body;
  std::string expected_error;
};

void expect_rejected(body_schema schema, const std::vector<rejected_case>& cases) {
  for (const auto& c : cases) {
    EXPECT_EQ(scan(c.body, schema).error, c.expected_error) << c.label << ": " << c.body;
  }
}

std::string nested_arrays(int depth) {
  return std::string(static_cast<std::size_t>(depth), '[') +
         std::string(static_cast<std::size_t>(depth), ']');
}

TEST(ScanAddMemories, ReadsTopLevelAndMetadataIds) {
  expect_accepted(
      body_schema::add_memories,
      {
          {"user only",
           R"({"messages":[{"role":"user","content":"hi"}],"user_id":"alice"})",
           {"user_id:alice"}},
          {"all three",
           R"({"user_id":"a","agent_id":"b","run_id":"c"})",
           {"user_id:a", "agent_id:b", "run_id:c"}},
          {"null is absent", R"({"user_id":"a","agent_id":null})", {"user_id:a"}},
          {"metadata ids count",
           R"({"agent_id":"bot","metadata":{"user_id":"bob","k":1}})",
           {"agent_id:bot", "user_id:bob"}},
          {"nested metadata ids do not",
           R"({"user_id":"a","metadata":{"x":{"user_id":"b"}}})",
           {"user_id:a"}},
          {"filters are not read", R"({"user_id":"a","filters":{"user_id":"b"}})", {"user_id:a"}},
          {"escaped key", R"({"user\u005fid":"alice"})", {"user_id:alice"}},
          {"wildcard", R"({"user_id":"*"})", {"user_id:*"}},
          {"repeat of one id", R"({"user_id":"a","metadata":{"user_id":"a"}})", {"user_id:a"}},
          {"other keys at depth", R"({"user_id":"a","messages":[{"user_id":5}]})", {"user_id:a"}},
      });
  EXPECT_TRUE(scan(R"({"user_id":"a"})", body_schema::add_memories).names_top_level_id);
  EXPECT_FALSE(
      scan(R"({"metadata":{"user_id":"a"}})", body_schema::add_memories).names_top_level_id);
  EXPECT_FALSE(scan(R"({"user_id":null})", body_schema::add_memories).names_top_level_id);
}

TEST(ScanAddMemories, RejectsBadBodies) {
  expect_rejected(
      body_schema::add_memories,
      {
          {"number id", R"({"user_id":42})", "user_id in the request body must be a string"},
          {"bool id", R"({"agent_id":true})", "agent_id in the request body must be a string"},
          {"object id", R"({"user_id":{"eq":"a"}})",
           "user_id in the request body must be a string"},
          {"list id", R"({"run_id":["a"]})", "run_id in the request body must be a string"},
          {"metadata number id", R"({"user_id":"a","metadata":{"user_id":1}})",
           "metadata.user_id in the request body must be a string"},
          {"empty id", R"({"user_id":""})", "user_id in the request body is empty"},
          {"padded id", R"({"user_id":" alice"})",
           "user_id in the request body contains whitespace"},
          {"escaped NUL", R"({"user_id":"a\u0000b"})",
           "user_id in the request body contains a control character"},
          {"duplicate top-level key", R"({"user_id":"a","user_id":"b"})",
           "duplicate JSON key 'user_id'"},
          {"duplicate via escape", R"({"user_id":"a","user\u005fid":"b"})",
           "duplicate JSON key 'user_id'"},
          {"duplicate in messages", R"({"user_id":"a","messages":[{"role":"u","role":"x"}]})",
           "duplicate JSON key 'role'"},
          {"array body", R"([{"user_id":"a"}])", "request body must be a JSON object"},
          {"string body", R"("user_id")", "request body must be a JSON object"},
          {"empty body", "", "request body is empty; expected a JSON object"},
          {"blank body", " \r\n", "request body is empty; expected a JSON object"},
      });
}

TEST(ScanBody, RejectsInvalidJson) {
  struct json_case {
    const char* label;
    std::string body;
  };
  const std::vector<json_case> cases = {
      {"truncated", R"({"user_id":"a")"},
      {"trailing comma", R"({"user_id":"a",})"},
      {"single quotes", R"({'user_id':'a'})"},
      {"trailing garbage", R"({"user_id":"a"} x)"},
      {"two documents", R"({"user_id":"a"}{"user_id":"b"})"},
      {"NaN", R"({"user_id":"a","x":NaN})"},
      {"raw control in string", "{\"user_id\":\"a\x01\"}"},
      {"invalid UTF-8", "{\"user_id\":\"a\xff\"}"},
      {"overlong UTF-8", "{\"user_id\":\"\xc0\xaf\"}"},
      {"UTF-8 surrogate", "{\"user_id\":\"\xed\xa0\x80\"}"},
      {"lone escaped surrogate", R"({"user_id":"\ud800"})"},
      {"comment", "{\"user_id\":\"a\" /* c */}"},
  };
  for (const auto& c : cases) {
    const std::string error = scan(c.body, body_schema::add_memories).error;
    EXPECT_EQ(error.rfind("request body is not valid JSON: ", 0), 0u)
        << c.label << " gave: " << error;
    EXPECT_EQ(error.find("last read"), std::string::npos) << c.label << " quotes input: " << error;
    EXPECT_EQ(error.find("json.exception"), std::string::npos) << c.label << " gave: " << error;
  }
}

TEST(ScanBody, NumberOverflowReasonHasNoLibraryId) {
  const std::string error = scan(R"({"user_id":"a","x":1e999})", body_schema::add_memories).error;
  EXPECT_EQ(error, "request body is not valid JSON: number overflow parsing '1e999'");
}

TEST(ScanBody, BoundsNestingDepth) {
  const std::string ok_body = R"({"user_id":"a","x":)" + nested_arrays(63) + "}";
  EXPECT_EQ(scan(ok_body, body_schema::add_memories).error, "") << "64 levels with the body";
  const std::string deep_body = R"({"user_id":"a","x":)" + nested_arrays(64) + "}";
  EXPECT_EQ(scan(deep_body, body_schema::add_memories).error,
            "request body nests objects and arrays deeper than 64 levels");
  const std::string very_deep = R"({"x":)" + nested_arrays(100000) + "}";
  EXPECT_EQ(scan(very_deep, body_schema::search).error,
            "request body nests objects and arrays deeper than 64 levels");
}

TEST(ScanBody, DetectsDuplicatesInLargeObjects) {
  std::string body = R"({"user_id":"a","metadata":{)";
  for (int i = 0; i < 500; ++i) {
    body += "\"k" + std::to_string(i) + "\":" + std::to_string(i) + ",";
  }
  std::string unique = body;
  unique.back() = '}';
  unique += "}";
  EXPECT_EQ(scan(unique, body_schema::add_memories).error, "");

  // k2 was stored before the object outgrew the linear scan, k250 after.
  for (const std::string key : {"k2", "k250", "k499"}) {
    const std::string duplicate = body + "\"" + key + "\":1}}";
    EXPECT_EQ(scan(duplicate, body_schema::add_memories).error, "duplicate JSON key '" + key + "'")
        << key;
  }

  // Equal keys in sibling objects are not duplicates.
  EXPECT_EQ(
      scan(R"({"user_id":"a","m":[{"k":1},{"k":2}],"n":{"k":3}})", body_schema::add_memories).error,
      "");
}

TEST(ScanBody, BoundsSubjectCount) {
  std::string body = R"({"filters":{"user_id":{"in":[)";
  for (int i = 0; i < 257; ++i) {
    body += (i ? ",\"u" : "\"u") + std::to_string(i) + "\"";
  }
  body += "]}}}";
  EXPECT_EQ(scan(body, body_schema::search).error, "request names more than 256 identifiers");
}

TEST(ScanSearch, ReadsFilters) {
  expect_accepted(
      body_schema::search,
      {
          {"plain", R"({"query":"q","filters":{"user_id":"alice"}})", {"user_id:alice"}},
          {"top-level ids",
           R"({"query":"q","user_id":"a","filters":{"agent_id":"b"}})",
           {"user_id:a", "agent_id:b"}},
          {"eq", R"({"filters":{"user_id":{"eq":"a"}}})", {"user_id:a"}},
          {"in", R"({"filters":{"user_id":{"in":["a","b"]}}})", {"user_id:a", "user_id:b"}},
          {"ne spans others", R"({"filters":{"user_id":{"ne":"a"}}})", {"user_id:*"}},
          {"nin spans others", R"({"filters":{"agent_id":{"nin":["a","b"]}}})", {"agent_id:*"}},
          {"contains spans others", R"({"filters":{"user_id":{"contains":"al"}}})", {"user_id:*"}},
          {"gte spans others", R"({"filters":{"run_id":{"gte":"r1"}}})", {"run_id:*"}},
          {"wildcard", R"({"filters":{"user_id":"*"}})", {"user_id:*"}},
          {"AND list",
           R"({"filters":{"AND":[{"user_id":"a"},{"agent_id":"b"}]}})",
           {"user_id:a", "agent_id:b"}},
          {"OR list",
           R"({"filters":{"user_id":"a","OR":[{"user_id":"b"},{"run_id":"r"}]}})",
           {"user_id:a", "user_id:b", "run_id:r"}},
          {"NOT spans others",
           R"({"filters":{"user_id":"a","NOT":[{"user_id":"b"}]}})",
           {"user_id:a", "user_id:*"}},
          {"$not spans others",
           R"({"filters":{"user_id":"a","$not":[{"agent_id":"b"}]}})",
           {"user_id:a", "agent_id:*"}},
          {"not in lower case",
           R"({"filters":{"user_id":"a","not":{"run_id":"x"}}})",
           {"user_id:a", "run_id:*"}},
          {"$and and $or",
           R"({"filters":{"$and":[{"user_id":"a"}],"$or":[{"agent_id":"b"}]}})",
           {"user_id:a", "agent_id:b"}},
          {"deep nesting",
           R"({"filters":{"AND":[{"OR":[{"AND":[{"user_id":{"in":["deep"]}}]}]}]}})",
           {"user_id:deep"}},
          {"in under NOT",
           R"({"filters":{"user_id":"a","NOT":[{"OR":[{"user_id":{"in":["b"]}}]}]}})",
           {"user_id:a", "user_id:*"}},
          {"non-identity fields ignored",
           R"({"filters":{"user_id":"a","category":{"in":[1,2]},"score":{"gt":3}}})",
           {"user_id:a"}},
          {"identity key under another field",
           R"({"filters":{"user_id":"a","category":{"agent_id":"b"}}})",
           {"user_id:a", "agent_id:b"}},
          {"null filters", R"({"user_id":"a","filters":null})", {"user_id:a"}},
          {"metadata not read in search",
           R"({"user_id":"a","metadata":{"user_id":"b"}})",
           {"user_id:a"}},
          {"no ids", R"({"query":"q"})", {}},
      });
}

TEST(ScanSearch, RejectsBadFilters) {
  expect_rejected(
      body_schema::search,
      {
          {"number", R"({"filters":{"user_id":7}})",
           "user_id in filters must be a string or an operator object"},
          {"null", R"({"filters":{"user_id":null}})",
           "user_id in filters must be a string or an operator object"},
          {"list", R"({"filters":{"user_id":["a"]}})",
           "user_id in filters must be a string or an operator object"},
          {"number in AND", R"({"filters":{"AND":[{"agent_id":1.5}]}})",
           "agent_id in filters must be a string or an operator object"},
          {"eq number", R"({"filters":{"user_id":{"eq":1}}})",
           "operator 'eq' on user_id in filters must be a string"},
          {"eq object", R"({"filters":{"user_id":{"eq":{"in":["a"]}}}})",
           "operator 'eq' on user_id in filters must be a string"},
          {"in not a list", R"({"filters":{"user_id":{"in":"a"}}})",
           "operator 'in' on user_id in filters must be a non-empty list of strings"},
          {"in empty", R"({"filters":{"user_id":{"in":[]}}})",
           "operator 'in' on user_id in filters must be a non-empty list of strings"},
          {"nin empty", R"({"filters":{"user_id":{"nin":[]}}})",
           "operator 'nin' on user_id in filters must be a non-empty list of strings"},
          {"in with number", R"({"filters":{"user_id":{"in":["a",2]}}})",
           "element of operator 'in' on user_id in filters must be a string"},
          {"in with list", R"({"filters":{"user_id":{"in":[["a"]]}}})",
           "element of operator 'in' on user_id in filters must be a string"},
          {"unknown operator", R"({"filters":{"user_id":{"like":"a%"}}})",
           "unsupported filter operator 'like' on user_id"},
          {"dollar operator", R"({"filters":{"user_id":{"$eq":"a"}}})",
           "unsupported filter operator '$eq' on user_id"},
          {"bad id in filters", R"({"filters":{"user_id":"a b"}})",
           "user_id in filters contains whitespace"},
          {"bad id under ne", R"({"filters":{"user_id":{"ne":""}}})",
           "operator 'ne' on user_id in filters is empty"},
          {"NUL in id", R"({"filters":{"user_id":{"in":["a\u0000"]}}})",
           "element of operator 'in' on user_id in filters contains a control character"},
          {"filters not object", R"({"filters":"user_id=a"})",
           "filters in the request body must be a JSON object"},
          {"filters list", R"({"filters":[{"user_id":"a"}]})",
           "filters in the request body must be a JSON object"},
          {"top-level number id", R"({"user_id":1,"filters":{}})",
           "user_id in the request body must be a string"},
          {"duplicate in filters", R"({"filters":{"user_id":"a","user_id":"b"}})",
           "duplicate JSON key 'user_id'"},
          {"duplicate nested in AND",
           R"({"filters":{"AND":[{"OR":[{"user_id":"a","user_id":"*"}]}]}})",
           "duplicate JSON key 'user_id'"},
          {"duplicate operator", R"({"filters":{"user_id":{"eq":"a","eq":"b"}}})",
           "duplicate JSON key 'eq'"},
          {"duplicate filters key", R"({"filters":{"user_id":"a"},"filters":{"user_id":"*"}})",
           "duplicate JSON key 'filters'"},
      });
}

TEST(ScanUpdateMemory, ReadsMetadataIdsOnly) {
  expect_accepted(
      body_schema::update_memory,
      {
          {"text only", R"({"text":"new"})", {}},
          {"metadata id", R"({"text":"t","metadata":{"user_id":"bob"}})", {"user_id:bob"}},
          {"top-level id ignored", R"({"text":"t","user_id":"x"})", {}},
          {"old data field", R"({"data":"t"})", {}},
      });
  expect_rejected(body_schema::update_memory,
                  {
                      {"metadata number id", R"({"metadata":{"run_id":3}})",
                       "metadata.run_id in the request body must be a string"},
                      {"duplicate", R"({"text":"a","text":"b"})", "duplicate JSON key 'text'"},
                      {"empty", "", "request body is empty; expected a JSON object"},
                  });
}

}  // namespace
}  // namespace memgov::ingress::request
