// Fuzzes the WWW-Authenticate parser (containers/registry/auth_challenge.cpp), which reads what a
// registry, or whatever answers in its place, sends with a 401.
// Input: the field value, byte for byte.
// Checks, for a field the parser accepts: it holds at least one challenge; schemes and parameter
// names are lowercase tokens, each name once per challenge; values hold no control character but
// tab; written back out (every value quoted) and parsed again, the challenges are the same; the
// chosen challenge is the first Bearer, else the first Basic.

#include "containers/registry/auth_challenge.h"
#include "tests/fuzz/fuzz_check.h"

#include <algorithm>
#include <cctype>
#include <cstdint>
#include <string>
#include <string_view>

using namespace vmlet::image;
using vmlet::fuzz_support::check;

namespace {

bool is_lowercase_token(std::string_view text)
{
    return !text.empty() && std::all_of(text.begin(), text.end(), [](char c) {
        auto byte = static_cast<unsigned char>(c);
        return (std::isalnum(byte) && !std::isupper(byte)) || std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
    });
}

// The challenges as a field, in the form RFC 7235 section 4.1 shows: scheme, a space, then
// name="value" pairs, a comma between parameters and between challenges.
std::string serialise(const std::vector<AuthChallenge>& challenges)
{
    std::string field;
    for (const auto& challenge : challenges) {
        field += (field.empty() ? "" : ", ") + challenge.scheme;
        for (size_t index = 0; index < challenge.parameters.size(); ++index) {
            const auto& [name, value] = challenge.parameters[index];
            field += (index == 0 ? " " : ", ") + name + "=\"";
            for (char c : value)
                field += (c == '"' || c == '\\') ? std::string { '\\', c } : std::string { c };
            field += '"';
        }
    }
    return field;
}

bool same(const std::vector<AuthChallenge>& left, const std::vector<AuthChallenge>& right)
{
    return std::equal(left.begin(), left.end(), right.begin(), right.end(), [](const AuthChallenge& a, const AuthChallenge& b) {
        return a.scheme == b.scheme && a.parameters == b.parameters;
    });
}

}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
    std::string_view field(reinterpret_cast<const char*>(data), size);
    auto parsed = parse_www_authenticate(field);
    if (!parsed.ok()) {
        check(!parsed.error().message().empty(), "an error without a message");
        return 0;
    }
    const auto& challenges = parsed.value();
    check(!challenges.empty(), "an accepted field without a challenge");
    for (const auto& challenge : challenges) {
        check(is_lowercase_token(challenge.scheme), "a scheme that is not a lowercase token");
        for (size_t index = 0; index < challenge.parameters.size(); ++index) {
            const auto& [name, value] = challenge.parameters[index];
            check(is_lowercase_token(name), "a parameter name that is not a lowercase token");
            check(std::none_of(value.begin(), value.end(), [](char c) { return (c >= 0 && c < ' ' && c != '\t') || c == 0x7f; }),
                "a control character in a value");
            for (size_t other = 0; other < index; ++other)
                check(challenge.parameters[other].first != name, "a parameter name twice in one challenge");
        }
    }

    auto again = parse_www_authenticate(serialise(challenges));
    check(again.ok(), "the challenges written back out do not parse");
    check(same(challenges, again.value()), "the challenges written back out parse differently");

    auto chosen = choose_challenge(challenges);
    auto first = [&](const char* scheme) {
        return std::find_if(challenges.begin(), challenges.end(), [&](const AuthChallenge& challenge) { return challenge.scheme == scheme; });
    };
    auto expected = first("bearer") != challenges.end() ? first("bearer") : first("basic");
    check(chosen.has_value() == (expected != challenges.end()), "a Bearer or Basic challenge not chosen, or another chosen");
    if (chosen)
        check(chosen->scheme == expected->scheme && chosen->parameters == expected->parameters, "not the first Bearer, else Basic, chosen");
    return 0;
}
