#include "containers/registry/auth_challenge.h"

#include "containers/registry/http_text.h"

#include <algorithm>
#include <cctype>

namespace vmlet::image {

namespace {

bool is_alnum(char c)
{
    return std::isalnum(static_cast<unsigned char>(c)) != 0;
}

// tchar (RFC 7230 section 3.2.6): the characters of a token.
bool is_token_char(char c)
{
    return is_alnum(c) || std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
}

// token68 (RFC 7235 section 2.1) before its trailing '='s.
bool is_token68_char(char c)
{
    return is_alnum(c) || std::string_view("-._~+/").find(c) != std::string_view::npos;
}

// What may stand in a quoted string as it is (qdtext) or after a backslash (quoted-pair), RFC 7230
// section 3.2.6: tab, space, visible ASCII and obs-text; never a control character or DEL. The
// plain form also excludes '"' and '\', which the caller has handled by then.
bool is_quoted_text(char c)
{
    auto byte = static_cast<unsigned char>(c);
    return byte == '\t' || (byte >= 0x20 && byte != 0x7f);
}

// A recursive-descent reader of RFC 7235 section 4.1:
//   WWW-Authenticate = 1#challenge
//   challenge        = auth-scheme [ 1*SP ( token68 / #auth-param ) ]
//   auth-param       = token BWS "=" BWS ( token / quoted-string )
// with the list rule of RFC 7230 section 7: elements are separated by OWS "," OWS, and empty
// elements (", ,") are accepted and skipped. A comma ends either an auth-param or a challenge;
// what follows it decides which: "name=" continues the parameters, anything else starts a scheme.
class ChallengeParser {
public:
    explicit ChallengeParser(std::string_view field)
        : m_field(field)
    {
    }

    Result<std::vector<AuthChallenge>> parse()
    {
        std::vector<AuthChallenge> challenges;
        while (true) {
            skip_empty_elements();
            if (at_end())
                break;
            challenges.push_back(TRY(challenge()));
        }
        if (challenges.empty())
            return make_error("it holds no challenge");
        return challenges;
    }

private:
    Result<AuthChallenge> challenge()
    {
        auto scheme = token();
        if (scheme.empty())
            return malformed("expected an authentication scheme");
        AuthChallenge challenge { .scheme = ascii_lowercase(scheme), .parameters = {} };
        bool spaced = skip_spaces();
        if (at_end() || peek() == ',')
            return challenge;
        if (!spaced)
            return malformed("expected a space after the authentication scheme");
        if (!parameter_follows()) {
            TRY(token68());
            return challenge;
        }
        while (true) {
            TRY(parameter(challenge));
            skip_spaces();
            if (at_end())
                return challenge;
            if (peek() != ',')
                return malformed("expected a comma after a parameter");
            skip_empty_elements();
            if (!parameter_follows())
                return challenge;
        }
    }

    // auth-param; its name is known to be followed by '='.
    Result<void> parameter(AuthChallenge& challenge)
    {
        size_t start = m_position;
        std::string name = ascii_lowercase(token());
        skip_spaces();
        ++m_position; // the '='
        skip_spaces();
        std::string value;
        if (!at_end() && peek() == '"') {
            value = TRY(quoted_string());
        } else {
            value = token();
            if (value.empty())
                return malformed("expected a token or a quoted string as a parameter's value");
        }
        auto same_name = [&](const auto& parameter) { return parameter.first == name; };
        if (std::any_of(challenge.parameters.begin(), challenge.parameters.end(), same_name))
            return make_error("a parameter appears twice in one challenge at byte {}", start);
        challenge.parameters.emplace_back(std::move(name), std::move(value));
        return {};
    }

    // token68, which only schemes vmlet does not answer use: checked and dropped.
    Result<void> token68()
    {
        size_t start = m_position;
        while (!at_end() && is_token68_char(peek()))
            ++m_position;
        if (m_position == start)
            return malformed("expected parameters or a token68 after the authentication scheme");
        while (!at_end() && peek() == '=')
            ++m_position;
        skip_spaces();
        if (!at_end() && peek() != ',')
            return malformed("expected a comma after a token68");
        return {};
    }

    Result<std::string> quoted_string()
    {
        size_t start = m_position;
        ++m_position; // the opening '"'
        std::string value;
        while (!at_end()) {
            char c = m_field[m_position++];
            if (c == '"')
                return value;
            if (c == '\\') {
                if (at_end())
                    break;
                c = m_field[m_position++];
            }
            if (!is_quoted_text(c))
                return make_error("a control character in a quoted string at byte {}", m_position - 1);
            value += c;
        }
        return make_error("a quoted string starting at byte {} is not closed", start);
    }

    // Whether the next element is an auth-param: a token, BWS, '=' and a value. Otherwise it is a
    // token68 (whose '='s come last) or the scheme of the next challenge.
    bool parameter_follows() const
    {
        size_t position = m_position;
        auto skip = [&](auto predicate) {
            while (position < m_field.size() && predicate(m_field[position]))
                ++position;
        };
        size_t name_start = position;
        skip(is_token_char);
        if (position == name_start)
            return false;
        skip([](char c) { return c == ' ' || c == '\t'; });
        if (position == m_field.size() || m_field[position] != '=')
            return false;
        ++position;
        skip([](char c) { return c == ' ' || c == '\t'; });
        return position < m_field.size() && m_field[position] != '=' && m_field[position] != ',';
    }

    std::string_view token()
    {
        size_t start = m_position;
        while (!at_end() && is_token_char(peek()))
            ++m_position;
        return m_field.substr(start, m_position - start);
    }

    // OWS (RFC 7230 section 3.2.3); true when there was some.
    bool skip_spaces()
    {
        size_t start = m_position;
        while (!at_end() && (peek() == ' ' || peek() == '\t'))
            ++m_position;
        return m_position != start;
    }

    void skip_empty_elements()
    {
        while (!at_end() && (peek() == ' ' || peek() == '\t' || peek() == ','))
            ++m_position;
    }

    Error malformed(std::string_view what) const { return make_error("{} at byte {}", what, m_position); }
    bool at_end() const { return m_position == m_field.size(); }
    char peek() const { return m_field[m_position]; }

    std::string_view m_field;
    size_t m_position { 0 };
};

}

std::string AuthChallenge::parameter(std::string_view name) const
{
    for (const auto& [key, value] : parameters) {
        if (key == name)
            return value;
    }
    return {};
}

Result<std::vector<AuthChallenge>> parse_www_authenticate(std::string_view field)
{
    return ChallengeParser(field).parse();
}

std::optional<AuthChallenge> choose_challenge(std::span<const AuthChallenge> challenges)
{
    for (const char* scheme : { "bearer", "basic" }) {
        auto found = std::find_if(challenges.begin(), challenges.end(), [&](const AuthChallenge& challenge) { return challenge.scheme == scheme; });
        if (found != challenges.end())
            return *found;
    }
    return std::nullopt;
}

}
