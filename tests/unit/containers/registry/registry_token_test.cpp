#include "containers/registry/registry_token.h"

#include <gtest/gtest.h>

using namespace vmlet::image;

namespace {

AuthChallenge bearer(std::string_view field)
{
    auto challenges = parse_www_authenticate(field);
    EXPECT_TRUE(challenges.ok()) << field;
    return challenges.ok() ? challenges.value().at(0) : AuthChallenge {};
}

std::string url(std::string_view field, std::string_view repository)
{
    auto result = token_url(bearer(field), "registry.example", repository);
    return result.ok() ? result.value() : "error: " + result.error().message();
}

std::string token(std::string_view body)
{
    auto result = token_from_answer(body);
    return result.ok() ? result.value() : "error: " + result.error().message();
}

}

TEST(RegistryToken, TheURLAsksTheRealmForAPullScope)
{
    EXPECT_EQ(url(R"(Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:library/busybox:pull")",
                  "library/busybox"),
        "https://auth.docker.io/token?service=registry.docker.io&scope=repository%3Alibrary%2Fbusybox%3Apull");
    // The scope is ours whatever the challenge says, and a realm's own query is kept.
    EXPECT_EQ(url(R"(Bearer realm="https://auth.example/token?tenant=a",scope="registry:catalog:*")", "app"),
        "https://auth.example/token?tenant=a&scope=repository%3Aapp%3Apull");
    EXPECT_EQ(url(R"(Bearer realm="http://127.0.0.1:5001/token",service="a service&more")", "x"),
        "http://127.0.0.1:5001/token?service=a%20service%26more&scope=repository%3Ax%3Apull");
}

TEST(RegistryToken, ABearerChallengeWithoutARealmIsAnError)
{
    EXPECT_EQ(url(R"(Bearer service="registry.example")", "app"),
        "error: registry registry.example asked for a bearer token without naming a realm");
    EXPECT_EQ(url(R"(Bearer realm="")", "app"), "error: registry registry.example asked for a bearer token without naming a realm");
}

TEST(RegistryToken, TheTokenIsTokenElseAccessToken)
{
    EXPECT_EQ(token(R"({"token":"t0k3n","expires_in":300})"), "t0k3n");
    EXPECT_EQ(token(R"({"access_token":"oauth"})"), "oauth");
    EXPECT_EQ(token(R"({"token":"t","access_token":"a"})"), "t");
    EXPECT_EQ(token(R"({"token":"","access_token":"a"})"), "a");
    EXPECT_EQ(token(R"({"token":5,"access_token":"a"})"), "a");
}

TEST(RegistryToken, AnAnswerWithoutAUsableTokenIsAnError)
{
    EXPECT_EQ(token("{}"), "error: sent no token");
    EXPECT_EQ(token(R"({"token":""})"), "error: sent no token");
    EXPECT_EQ(token(R"(["token"])"), "error: sent no token");
    EXPECT_EQ(token("<html>not json</html>"), "error: sent no token");
    EXPECT_EQ(token(R"({"token":"a\r\nX-Injected: 1"})"), "error: sent a token with characters no header can carry");
    EXPECT_EQ(token(R"({"token":"two words"})"), "error: sent a token with characters no header can carry");
}
