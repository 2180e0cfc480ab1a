#include "containers/registry/auth_file.h"

#include "containers/registry/base64.h"

#include <gtest/gtest.h>

using namespace vmlet::image;

namespace {

std::string auth(std::string_view user_password)
{
    return base64(user_password);
}

// "user:password" found for repository on registry, "none", or "error: ...".
std::string lookup(const std::string& file, std::string_view registry, std::string_view repository)
{
    auto found = credentials_in(file, "auth.json", registry, repository);
    if (!found.ok())
        return "error: " + found.error().message();
    return found.value() ? found.value()->user + ":" + found.value()->password : "none";
}

}

TEST(AuthFile, CredentialsAreForTheirOwnRegistryOnly)
{
    std::string file = R"({"auths": {"127.0.0.1:5000": {"auth": ")" + auth("alice:secret") + R"("}}})";
    EXPECT_EQ(lookup(file, "127.0.0.1:5000", "app"), "alice:secret");
    EXPECT_EQ(lookup(file, "127.0.0.1:5001", "app"), "none");
    EXPECT_EQ(lookup(file, "127.0.0.1", "app"), "none");
    EXPECT_EQ(lookup(file, "127.0.0.1:50001", "app"), "none");
}

TEST(AuthFile, ReadsDockerHubUnderDockersLegacyKey)
{
    std::string file = R"({"auths": {"https://index.docker.io/v1/": {"auth": ")" + auth("bob:hub") + R"("}}, "credsStore": "desktop"})";
    EXPECT_EQ(lookup(file, "docker.io", "library/busybox"), "bob:hub");
    EXPECT_EQ(lookup(file, "quay.io", "library/busybox"), "none");
}

// containers-auth.json(5): "registry/namespace" is more specific than "registry", whole components only.
TEST(AuthFile, TheMostSpecificKeyWins)
{
    std::string file = R"({"auths": {"quay.io": {"auth": ")" + auth("any:1") + R"("}, "quay.io/team": {"auth": ")" + auth("team:2")
        + R"("}}})";
    EXPECT_EQ(lookup(file, "quay.io", "team/app"), "team:2");
    EXPECT_EQ(lookup(file, "quay.io", "teamwork/app"), "any:1");
    EXPECT_EQ(lookup(file, "quay.io", "other"), "any:1");
}

TEST(AuthFile, AnEntryWithoutAuthNamesAHelperAndIsSkipped)
{
    EXPECT_EQ(lookup(R"({"auths": {"ghcr.io": {}}, "credHelpers": {"ghcr.io": "gh"}})", "ghcr.io", "x"), "none");
    EXPECT_EQ(lookup("", "ghcr.io", "x"), "none");
    EXPECT_EQ(lookup("{}", "ghcr.io", "x"), "none");
}

TEST(AuthFile, AMalformedFileOrAuthIsAnErrorNamingIt)
{
    EXPECT_EQ(lookup("[1]", "a.io", "x"), "error: auth.json is not a JSON object");
    EXPECT_EQ(lookup(R"({"auths": []})", "a.io", "x"), "error: auth.json: \"auths\" is not a JSON object");
    EXPECT_EQ(lookup(R"({"auths": {"a.io": {"auth": "bm9jb2xvbg=="}}})", "a.io", "x"),
        "error: auth.json: the \"auth\" of \"a.io\" is not base64 of user:password");
    EXPECT_EQ(lookup(R"({"auths": {"a.io": {"auth": "YTpi\nYw=="}}})", "a.io", "x"),
        "error: auth.json: the \"auth\" of \"a.io\" is not base64 of user:password");
}

TEST(AuthFile, LoginReplacesEverySpellingOfItsRegistryAndKeepsTheRest)
{
    std::string file = R"({"auths": {"https://index.docker.io/v1/": {"auth": "x"}, "quay.io": {"auth": ")" + auth("q:1")
        + R"("}}, "credsStore": "desktop"})";
    auto updated = with_credentials(file, "auth.json", "docker.io", std::pair<std::string, std::string> { "carol", "pw:with:colons" });
    ASSERT_TRUE(updated.ok() && updated.value()) << (updated.ok() ? "" : updated.error().message());
    EXPECT_EQ(lookup(*updated.value(), "docker.io", "library/busybox"), "carol:pw:with:colons");
    EXPECT_EQ(lookup(*updated.value(), "quay.io", "x"), "q:1");
    EXPECT_NE(updated.value()->find("\"credsStore\""), std::string::npos);
    EXPECT_EQ(updated.value()->find("index.docker.io"), std::string::npos);

    auto removed = with_credentials(*updated.value(), "auth.json", "docker.io", std::nullopt);
    ASSERT_TRUE(removed.ok() && removed.value());
    EXPECT_EQ(lookup(*removed.value(), "docker.io", "library/busybox"), "none");
    EXPECT_EQ(lookup(*removed.value(), "quay.io", "x"), "q:1");
    auto again = with_credentials(*removed.value(), "auth.json", "docker.io", std::nullopt);
    ASSERT_TRUE(again.ok());
    EXPECT_FALSE(again.value());
}

TEST(AuthFile, KeysAreNormalisedAsReferencesNameRegistries)
{
    EXPECT_EQ(normal_auth_key("https://index.docker.io/v1/"), "docker.io");
    EXPECT_EQ(normal_auth_key("registry-1.docker.io"), "docker.io");
    EXPECT_EQ(normal_auth_key("http://localhost:5000"), "localhost:5000");
    EXPECT_EQ(normal_auth_key("quay.io/team/"), "quay.io/team");
}

TEST(Base64, DecodesOnlyCanonicalBase64)
{
    EXPECT_EQ(base64_decode("YWxpY2U6c2VjcmV0"), "alice:secret");
    EXPECT_EQ(base64_decode("YQ=="), "a");
    EXPECT_EQ(base64_decode("YWI="), "ab");
    EXPECT_EQ(base64_decode(""), "");
    EXPECT_FALSE(base64_decode("YQ="));
    EXPECT_FALSE(base64_decode("Y=Q="));
    EXPECT_FALSE(base64_decode("YW I"));
}
