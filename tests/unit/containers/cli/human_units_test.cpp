#include "containers/cli/human_units.h"

#include <gtest/gtest.h>

using namespace vmlet;

TEST(HumanUnits, SizesAsDockerPrintsThem)
{
    EXPECT_EQ(human_size(0), "0B");
    EXPECT_EQ(human_size(999), "999B");
    EXPECT_EQ(human_size(1000), "1kB");
    EXPECT_EQ(human_size(4'261'000), "4.26MB");
    EXPECT_EQ(human_size(1'240'000'000), "1.24GB");
}

TEST(HumanUnits, TimeAgo)
{
    std::time_t now = 1704067200 + 3 * 86400 + 5; // 2024-01-04T00:00:05Z
    EXPECT_EQ(time_ago("2024-01-01T00:00:00Z", now), "3 days ago");
    EXPECT_EQ(time_ago("2024-01-04T00:00:00.123456789Z", now), "5 seconds ago");
    EXPECT_EQ(time_ago("2023-12-28T00:00:00Z", now), "7 days ago");
    EXPECT_EQ(time_ago("2023-12-01T00:00:00Z", now), "4 weeks ago");
    EXPECT_EQ(time_ago("2020-01-01T00:00:00Z", now), "4 years ago");
    EXPECT_EQ(time_ago("", now), "N/A");
    EXPECT_EQ(time_ago("yesterday", now), "N/A");
}

TEST(HumanUnits, Durations)
{
    EXPECT_EQ(human_duration(0), "Less than a second");
    EXPECT_EQ(human_duration(1), "1 second");
    EXPECT_EQ(human_duration(90), "About a minute");
    EXPECT_EQ(human_duration(600), "10 minutes");
    EXPECT_EQ(human_duration(3600), "About an hour");
    EXPECT_EQ(human_duration(5 * 3600), "5 hours");
}

TEST(HumanUnits, ByteSizesAsDockerRunTakesThem)
{
    EXPECT_EQ(parse_byte_size("1048576").value(), 1048576u);
    EXPECT_EQ(parse_byte_size("64m").value(), 64u << 20);
    EXPECT_EQ(parse_byte_size("64MB").value(), 64u << 20);
    EXPECT_EQ(parse_byte_size("512k").value(), 512u << 10);
    EXPECT_EQ(parse_byte_size("2g").value(), uint64_t { 2 } << 30);
    EXPECT_EQ(parse_byte_size("7b").value(), 7u);
    for (const char* bad : { "", "m", "64x", "64mm", "-1", "1.5g", "99999999999g" })
        EXPECT_FALSE(parse_byte_size(bad).ok()) << bad;
}
