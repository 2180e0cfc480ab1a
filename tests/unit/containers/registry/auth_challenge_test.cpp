#include "containers/registry/auth_challenge.h"

#include <gtest/gtest.h>

using namespace vmlet::image;

namespace {

// The parsed challenges as `scheme{name=value|name=value} scheme{}`, or "error: <message>".
std::string parsed(std::string_view field)
{
    auto challenges = parse_www_authenticate(field);
    if (!challenges.ok())
        return "error: " + challenges.error().message();
    std::string text;
    for (const auto& challenge : challenges.value()) {
        text += (text.empty() ? "" : " ") + challenge.scheme + "{";
        for (size_t index = 0; index < challenge.parameters.size(); ++index)
            text += (index == 0 ? "" : "|") + challenge.parameters[index].first + "=" + challenge.parameters[index].second;
        text += "}";
    }
    return text;
}

std::vector<AuthChallenge> challenges(std::string_view field)
{
    auto result = parse_www_authenticate(field);
    EXPECT_TRUE(result.ok()) << field << ": " << result.error().message();
    return result.ok() ? result.release_value() : std::vector<AuthChallenge> {};
}

}

TEST(AuthChallenge, DockerHubsBearerChallenge)
{
    auto parsed_challenges = challenges(
        R"(Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:library/busybox:pull")");
    ASSERT_EQ(parsed_challenges.size(), 1u);
    const auto& bearer = parsed_challenges[0];
    EXPECT_EQ(bearer.scheme, "bearer");
    EXPECT_EQ(bearer.parameter("realm"), "https://auth.docker.io/token");
    EXPECT_EQ(bearer.parameter("service"), "registry.docker.io");
    EXPECT_EQ(bearer.parameter("scope"), "repository:library/busybox:pull");
    EXPECT_EQ(bearer.parameter("error"), "");
}

TEST(AuthChallenge, SeveralChallengesInOneField)
{
    // The example of RFC 7235 section 4.1.
    EXPECT_EQ(parsed(R"(Newauth realm="apps", type=1, title="Login to \"apps\"", Basic realm="simple")"),
        R"(newauth{realm=apps|type=1|title=Login to "apps"} basic{realm=simple})");
    EXPECT_EQ(parsed(R"(Basic realm="registry", Bearer realm="https://auth.example/token",service="example")"),
        "basic{realm=registry} bearer{realm=https://auth.example/token|service=example}");
    EXPECT_EQ(parsed("Negotiate, Basic realm=x"), "negotiate{} basic{realm=x}");
    EXPECT_EQ(parsed("Negotiate YWJjZA==, NTLM TlRMTVNTUAAB, Basic realm=x"), "negotiate{} ntlm{} basic{realm=x}");
}

TEST(AuthChallenge, QuotedStringsKeepEscapedQuotesAndCommas)
{
    EXPECT_EQ(parsed(R"(Bearer realm="a, b", scope="repository:x:pull,push")"), "bearer{realm=a, b|scope=repository:x:pull,push}");
    EXPECT_EQ(parsed(R"(Bearer realm="say \"hi\"", service="back\\slash")"), R"(bearer{realm=say "hi"|service=back\slash})");
    EXPECT_EQ(parsed(R"(Bearer realm="\a\,\ ")"), "bearer{realm=a, }");
    EXPECT_EQ(parsed(R"(Bearer realm="")"), "bearer{realm=}");
    EXPECT_EQ(parsed(R"(Bearer realm="a=b", Basic realm="c")"), "bearer{realm=a=b} basic{realm=c}");
}

TEST(AuthChallenge, NamesAreCaseInsensitiveAndSpacingIsFree)
{
    EXPECT_EQ(parsed(R"(BEARER Realm="r",SERVICE="s")"), "bearer{realm=r|service=s}");
    EXPECT_EQ(parsed("  bAsIc \t realm = \"r\"  ,  , charset=UTF-8 ,, "), "basic{realm=r|charset=UTF-8}");
    EXPECT_EQ(parsed(", ,Basic"), "basic{}");
}

TEST(AuthChallenge, AMissingRealmIsNotTheParsersBusiness)
{
    auto parsed_challenges = challenges(R"(Bearer service="registry.example",scope="repository:app:pull")");
    ASSERT_EQ(parsed_challenges.size(), 1u);
    EXPECT_EQ(parsed_challenges[0].parameter("realm"), "");
    auto chosen = choose_challenge(parsed_challenges);
    ASSERT_TRUE(chosen.has_value());
    EXPECT_EQ(chosen->scheme, "bearer");
    EXPECT_EQ(parsed("Bearer"), "bearer{}");
}

TEST(AuthChallenge, BearerIsChosenOverBasicAndUnknownSchemesAreIgnored)
{
    EXPECT_EQ(choose_challenge(challenges(R"(Basic realm="b", Bearer realm="first", Bearer realm="second")"))->parameter("realm"), "first");
    EXPECT_EQ(choose_challenge(challenges(R"(Digest realm="d", nonce="n", Basic realm="b")"))->scheme, "basic");
    EXPECT_FALSE(choose_challenge(challenges(R"(Digest realm="d", nonce="n", Negotiate)")).has_value());
    EXPECT_FALSE(choose_challenge({}).has_value());
}

TEST(AuthChallenge, GarbageIsRefusedWithWhereItWent)
{
    EXPECT_EQ(parsed(""), "error: it holds no challenge");
    EXPECT_EQ(parsed(" , ,"), "error: it holds no challenge");
    EXPECT_EQ(parsed("=realm"), "error: expected an authentication scheme at byte 0");
    EXPECT_EQ(parsed(R"(Bearer realm="unterminated)"), "error: a quoted string starting at byte 13 is not closed");
    EXPECT_EQ(parsed(R"(Bearer realm="ends in a backslash\)"), "error: a quoted string starting at byte 13 is not closed");
    EXPECT_EQ(parsed("Bearer realm=\"a\nb\""), "error: a control character in a quoted string at byte 15");
    EXPECT_EQ(parsed("Bearer realm=\"a\x7f\""), "error: a control character in a quoted string at byte 15");
    EXPECT_EQ(parsed(R"(Bearer realm="a" service="b")"), "error: expected a comma after a parameter at byte 17");
    EXPECT_EQ(parsed("Bearer realm=https://auth.example/token"), "error: expected a comma after a parameter at byte 18");
    EXPECT_EQ(parsed(R"(Bearer realm=;x)"), "error: expected a token or a quoted string as a parameter's value at byte 13");
    EXPECT_EQ(parsed(R"(Bearer realm="a", realm="b")"), "error: a parameter appears twice in one challenge at byte 18");
    EXPECT_EQ(parsed(R"(Bearer REALM="a", Realm="b")"), "error: a parameter appears twice in one challenge at byte 18");
    EXPECT_EQ(parsed(R"(Bearer"realm")"), "error: expected a space after the authentication scheme at byte 6");
    EXPECT_EQ(parsed("Negotiate abc==def"), "error: expected a comma after a token68 at byte 15");
    EXPECT_EQ(parsed("Negotiate abc, realm=x"), "error: expected a space after the authentication scheme at byte 20");
    EXPECT_EQ(parsed("Basic \x01"), "error: expected parameters or a token68 after the authentication scheme at byte 6");
    EXPECT_EQ(parsed("Basic realm=\"r\"\r\n"), "error: expected a comma after a parameter at byte 15");
}
