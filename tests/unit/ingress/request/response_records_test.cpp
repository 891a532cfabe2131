#include "request/response_records.hpp"

#include <string>
#include <vector>

#include <gtest/gtest.h>

namespace memgov::ingress::request {
namespace {

TEST(RecordList, ReadsResultsOfCurrentServer) {
  record_list list(R"({"results":[
      {"id":"m1","memory":"a","user_id":"alice","agent_id":"bot","score":0.5},
      {"id":"m2","memory":"b","run_id":"r1","user_id":null},
      "not a record"]})");
  ASSERT_EQ(list.error(), "");
  ASSERT_EQ(list.records().size(), 3u);
  const response_record& first = list.records()[0];
  EXPECT_EQ(first.memory_id, "m1");
  ASSERT_EQ(first.subjects.size(), 2u);
  EXPECT_EQ(first.subjects[0].kind, "user_id");
  EXPECT_EQ(first.subjects[0].id, "alice");
  EXPECT_EQ(first.subjects[1].kind, "agent_id");
  const response_record& second = list.records()[1];
  ASSERT_EQ(second.subjects.size(), 1u) << "a null user_id names nobody";
  EXPECT_EQ(second.subjects[0].kind, "run_id");
  EXPECT_EQ(list.records()[2].memory_id, "");
  EXPECT_TRUE(list.records()[2].subjects.empty());
}

TEST(RecordList, ReadsBareListOfOldServer) {
  record_list list(R"([{"id":"m1","user_id":"alice"}])");
  ASSERT_EQ(list.error(), "");
  ASSERT_EQ(list.records().size(), 1u);
  EXPECT_EQ(list.records()[0].memory_id, "m1");
}

TEST(RecordList, RejectsOtherShapes) {
  for (const char* body :
       {"", "not json", "null", "42", R"({"message":"ok"})", R"({"results":{"id":"m1"}})"}) {
    EXPECT_NE(record_list(body).error(), "") << body;
  }
}

TEST(RecordList, WithoutRemovesRecordsAndKeepsTheRest) {
  record_list list(R"({"results":[{"id":"m1","user_id":"alice"},{"id":"m2","user_id":"bob"}],)"
                   R"("relations":[{"source":"alice"}]})");
  ASSERT_EQ(list.error(), "");
  EXPECT_EQ(list.without({true, false}),
            R"({"results":[{"id":"m1","user_id":"alice"}],"relations":[{"source":"alice"}]})");
  EXPECT_EQ(list.without({false, false}), R"({"results":[],"relations":[{"source":"alice"}]})");
}

TEST(RecordList, WithoutKeepsKeyOrder) {
  record_list list(R"([{"user_id":"alice","id":"m1","memory":"x"},{"id":"m2"}])");
  EXPECT_EQ(list.without({true, false}), R"([{"user_id":"alice","id":"m1","memory":"x"}])");
}

TEST(ReadMemoryRecord, NullIsNotFound) {
  memory_lookup lookup = read_memory_record("null");
  EXPECT_FALSE(lookup.found);
  EXPECT_EQ(lookup.error, "");
}

TEST(ReadMemoryRecord, ReadsSubjects) {
  memory_lookup lookup = read_memory_record(R"({"id":"m1","user_id":"alice","run_id":"r1"})");
  ASSERT_TRUE(lookup.found);
  EXPECT_EQ(lookup.record.memory_id, "m1");
  ASSERT_EQ(lookup.record.subjects.size(), 2u);
  EXPECT_EQ(lookup.record.subjects[1].kind, "run_id");
  EXPECT_EQ(lookup.record.subjects[1].id, "r1");
}

TEST(ReadMemoryRecord, RejectsOtherBodies) {
  for (const char* body : {"", "[]", "\"text\"", "{"}) {
    EXPECT_NE(read_memory_record(body).error, "") << body;
  }
}

}  // namespace
}  // namespace memgov::ingress::request
