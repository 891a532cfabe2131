#include <gtest/gtest.h>

#include "storage/partitions.hpp"

namespace memgov::audit {
namespace {

TEST(PartitionMonth, OfTimestamp) {
  EXPECT_EQ(month_of(1'700'000'000'000'000), (partition_month{2023, 11}));
  EXPECT_EQ(month_of(1), (partition_month{1970, 1}));
  // 2024-02-29T23:59:59.999999Z and the next microsecond.
  EXPECT_EQ(month_of(1'709'251'199'999'999), (partition_month{2024, 2}));
  EXPECT_EQ(month_of(1'709'251'200'000'000), (partition_month{2024, 3}));
}

TEST(PartitionMonth, NextWrapsYear) {
  EXPECT_EQ((partition_month{2026, 12}.next()), (partition_month{2027, 1}));
  EXPECT_EQ((partition_month{2026, 1}.next()), (partition_month{2026, 2}));
}

TEST(PartitionMonth, Names) {
  partition_month month{2025, 1};
  EXPECT_EQ(month.first_day(), "2025-01-01");
  EXPECT_EQ(month.partition_name("mem0_audit_log"), "mem0_audit_log_y2025m01");
  EXPECT_EQ((partition_month{2025, 12}.partition_name("mem0_audit_outcome")),
            "mem0_audit_outcome_y2025m12");
}

TEST(PartitionMonth, PreparesCurrentAndNext) {
  // 2026-12-31T23:00:00Z.
  std::vector<partition_month> months = months_to_prepare(1'798'758'000'000'000);
  ASSERT_EQ(months.size(), 2u);
  EXPECT_EQ(months[0], (partition_month{2026, 12}));
  EXPECT_EQ(months[1], (partition_month{2027, 1}));
}

}  // namespace
}  // namespace memgov::audit
