#include "containers/registry/credential_scope.h"
#include "containers/registry/loopback.h"

#include <gtest/gtest.h>

using namespace vmlet::image;

// By address, not by spelling: a name that merely begins with "127." is a remote host.
TEST(Loopback, IsDecidedByTheResolvedAddress)
{
    EXPECT_TRUE(is_loopback_host("127.0.0.1"));
    EXPECT_TRUE(is_loopback_host("127.3.2.1"));
    EXPECT_TRUE(is_loopback_host("::1"));
    EXPECT_TRUE(is_loopback_host("localhost"));
    EXPECT_FALSE(is_loopback_host("127.0.0.1.invalid"));
    EXPECT_FALSE(is_loopback_host("127.example.invalid"));
    EXPECT_FALSE(is_loopback_host("10.0.0.1"));
    EXPECT_FALSE(is_loopback_host("::ffff:10.0.0.1"));
    EXPECT_FALSE(is_loopback_host("128.0.0.1"));
    EXPECT_FALSE(is_loopback_host(""));
}

TEST(Loopback, TheHostOfARegistryDropsPortAndBrackets)
{
    EXPECT_EQ(host_of("127.0.0.1:5000"), "127.0.0.1");
    EXPECT_EQ(host_of("[::1]:5000"), "::1");
    EXPECT_EQ(host_of("docker.io"), "docker.io");
}

TEST(CredentialScope, AnyHttpsRealmMayHaveThem)
{
    EXPECT_TRUE(credentials_may_go_to("https://auth.docker.io/token?service=x", "docker.io"));
    EXPECT_TRUE(credentials_may_go_to("HTTPS://auth.example/token", "127.0.0.1:5000"));
}

TEST(CredentialScope, PlainHttpOnlyToTheRegistrysOwnLoopbackHost)
{
    EXPECT_TRUE(credentials_may_go_to("http://127.0.0.1:9000/token", "127.0.0.1:5000"));
    EXPECT_TRUE(credentials_may_go_to("http://[::1]:9000/token", "[::1]:5000"));
    EXPECT_TRUE(credentials_may_go_to("http://localhost/token", "localhost:5000"));
    // Another host, loopback or not, or the same name when it is not loopback.
    EXPECT_FALSE(credentials_may_go_to("http://127.0.0.2:9000/token", "127.0.0.1:5000"));
    EXPECT_FALSE(credentials_may_go_to("http://localhost:9000/token", "127.0.0.1:5000"));
    EXPECT_FALSE(credentials_may_go_to("http://auth.example/token", "127.0.0.1:5000"));
    EXPECT_FALSE(credentials_may_go_to("http://registry.example/token", "registry.example"));
    EXPECT_FALSE(credentials_may_go_to("http://127.example.invalid/token", "127.example.invalid"));
}

TEST(CredentialScope, NothingButHttpAndHttps)
{
    EXPECT_FALSE(credentials_may_go_to("ftp://127.0.0.1/token", "127.0.0.1:5000"));
    EXPECT_FALSE(credentials_may_go_to("not a url", "127.0.0.1:5000"));
    EXPECT_FALSE(credentials_may_go_to("", "127.0.0.1:5000"));
}
