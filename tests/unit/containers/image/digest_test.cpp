#include "containers/image/digest.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>

using namespace vmlet::image;

namespace {

// sha256("abc"), FIPS 180-2 appendix B.1.
constexpr const char* kAbc = "sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";

}

TEST(Digest, OfBytesMatchesTheStandardVector)
{
    EXPECT_EQ(Digest::of(std::string_view("abc")).string(), kAbc);
    EXPECT_EQ(Digest::of(std::string_view("abc")).short_hex(), "ba7816bf8f01");
}

TEST(Digest, IncrementalHashEqualsOneShot)
{
    Sha256 hash;
    hash.update(std::string_view("a"));
    hash.update(std::string_view("bc"));
    EXPECT_EQ(hash.finish().string(), kAbc);
}

TEST(Digest, ParseAcceptsOnlyLowercaseSha256)
{
    EXPECT_TRUE(Digest::parse(kAbc).ok());
    EXPECT_FALSE(Digest::parse("sha512:" + std::string(64, 'a')).ok());
    EXPECT_FALSE(Digest::parse("sha256:" + std::string(63, 'a')).ok());
    EXPECT_FALSE(Digest::parse("sha256:" + std::string(64, 'A')).ok());
    EXPECT_FALSE(Digest::parse("sha256:" + std::string(63, 'a') + "g").ok());
    EXPECT_FALSE(Digest::parse(std::string(64, 'a')).ok());
}

TEST(Digest, VerifyFileRemovesContentThatDoesNotMatch)
{
    char path[] = "/tmp/vmlet-digest-XXXXXX";
    int fd = mkstemp(path);
    ASSERT_GE(fd, 0);
    ASSERT_EQ(write(fd, "abc", 3), 3);
    close(fd);
    EXPECT_TRUE(verify_file(path, Digest::parse(kAbc).value()).ok());
    EXPECT_EQ(access(path, F_OK), 0);
    auto wrong = verify_file(path, Digest::of(std::string_view("abd")));
    ASSERT_FALSE(wrong.ok());
    EXPECT_NE(wrong.error().message().find("has the wrong content"), std::string::npos) << wrong.error().message();
    EXPECT_NE(access(path, F_OK), 0) << "a blob that failed verification was kept";
}
