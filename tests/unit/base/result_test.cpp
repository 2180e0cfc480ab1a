#include "vmm/base/checked_math.h"
#include "vmm/base/result.h"

#include <gtest/gtest.h>

namespace vmlet {

static Result<int> parse_positive(int value)
{
    if (value <= 0)
        return make_error("{} is not positive", value);
    return value;
}

static Result<int> doubled(int value)
{
    int parsed = TRY_CONTEXT(parse_positive(value), "doubling");
    return parsed * 2;
}

TEST(Result, TryPassesValuesAndPropagatesErrorsWithContext)
{
    ASSERT_TRUE(doubled(4).ok());
    EXPECT_EQ(doubled(4).value(), 8);
    auto failed = doubled(-1);
    ASSERT_FALSE(failed.ok());
    EXPECT_EQ(failed.error().message(), "doubling: -1 is not positive");
}

TEST(CheckedMath, DetectsOverflowAndRangeEnds)
{
    EXPECT_FALSE(checked_add(UINT64_MAX, 1).has_value());
    EXPECT_EQ(checked_add(1, 2).value(), 3u);
    EXPECT_FALSE(checked_mul(UINT64_MAX / 2, 3).has_value());
    EXPECT_TRUE(range_fits(0, 10, 10));
    EXPECT_FALSE(range_fits(1, 10, 10));
    EXPECT_FALSE(range_fits(UINT64_MAX, 2, UINT64_MAX));
    EXPECT_EQ(align_up(4097, 4096).value(), 8192u);
    EXPECT_FALSE(align_up(UINT64_MAX, 4096).has_value());
}

}
