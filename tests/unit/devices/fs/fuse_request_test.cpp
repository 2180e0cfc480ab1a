#include "devices/fs/fuse_request.h"

#include <gtest/gtest.h>

#include <string>

using namespace vmlet::fs;

namespace {

std::vector<uint8_t> bytes_of(std::string_view text) { return { text.begin(), text.end() }; }

std::optional<std::string_view> first_name(const std::vector<uint8_t>& bytes)
{
    RequestArgs args(bytes);
    return args.name();
}

}

TEST(FuseRequest, TakesASingleComponentName)
{
    auto bytes = bytes_of(std::string("file.txt\0next\0", 14));
    RequestArgs args(bytes);
    EXPECT_EQ(args.name(), "file.txt");
    EXPECT_EQ(args.name(), "next");
    EXPECT_EQ(args.remaining(), 0u);
    EXPECT_FALSE(args.name());
}

TEST(FuseRequest, RefusesNamesThatWalk)
{
    for (std::string_view bad : { std::string_view("..\0", 3), std::string_view(".\0", 2), std::string_view("a/b\0", 4), std::string_view("/\0", 2),
             std::string_view("\0", 1) })
        EXPECT_FALSE(first_name(bytes_of(bad))) << bad;
}

TEST(FuseRequest, RefusesAnUnterminatedOrOverlongName)
{
    EXPECT_FALSE(first_name(bytes_of("unterminated")));
    EXPECT_FALSE(first_name(bytes_of(std::string(kMaxName + 1, 'x') + '\0')));
    EXPECT_TRUE(first_name(bytes_of(std::string(kMaxName, 'x') + '\0')));
}

TEST(FuseRequest, APathMayHoldSlashesButNotBeEmpty)
{
    auto target = bytes_of(std::string("../../etc/passwd\0", 17));
    RequestArgs args(target);
    EXPECT_EQ(args.path(), "../../etc/passwd");
    auto empty = bytes_of(std::string("\0", 1));
    RequestArgs none(empty);
    EXPECT_FALSE(none.path());
}

TEST(FuseRequest, AnObjectNeedsAllItsBytes)
{
    std::vector<uint8_t> short_bytes(sizeof(fuse_read_in) - 1);
    RequestArgs args(short_bytes);
    EXPECT_FALSE(args.object<fuse_read_in>());
    std::vector<uint8_t> whole(sizeof(fuse_read_in));
    RequestArgs enough(whole);
    EXPECT_TRUE(enough.object<fuse_read_in>());
    EXPECT_FALSE(enough.object<uint8_t>());
}

TEST(FuseRequest, EmptyArgumentsGiveNothing)
{
    RequestArgs args({});
    EXPECT_FALSE(args.name());
    EXPECT_FALSE(args.path());
    EXPECT_FALSE(args.object<uint32_t>());
}
