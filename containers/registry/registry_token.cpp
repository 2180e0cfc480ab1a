#include "containers/registry/registry_token.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cctype>

namespace vmlet::image {

namespace {

// RFC 3986 section 2.3: every byte but the unreserved characters becomes %XX, so a service or
// scope stays one query value whatever it holds.
std::string percent_encode(std::string_view text)
{
    std::string encoded;
    for (char c : text) {
        auto byte = static_cast<unsigned char>(c);
        if (std::isalnum(byte) || c == '-' || c == '.' || c == '_' || c == '~')
            encoded += c;
        else
            encoded += fmt::format("%{:02X}", byte);
    }
    return encoded;
}

bool fits_a_header_line(std::string_view token)
{
    return std::all_of(token.begin(), token.end(), [](char c) { return c > ' ' && c < 0x7f; });
}

}

Result<std::string> token_url(const AuthChallenge& bearer, std::string_view registry, std::string_view repository)
{
    std::string realm = bearer.parameter("realm");
    if (realm.empty())
        return make_error("registry {} asked for a bearer token without naming a realm", registry);
    std::string url = realm + (realm.find('?') == std::string::npos ? "?" : "&");
    if (auto service = bearer.parameter("service"); !service.empty())
        url += "service=" + percent_encode(service) + "&";
    url += "scope=" + percent_encode(fmt::format("repository:{}:pull", repository));
    return url;
}

Result<std::string> token_from_answer(std::string_view body)
{
    auto document = nlohmann::json::parse(body, nullptr, false);
    for (const char* field : { "token", "access_token" }) {
        if (!document.is_object() || !document.contains(field) || !document[field].is_string())
            continue;
        auto token = document[field].get<std::string>();
        if (token.empty())
            continue;
        if (!fits_a_header_line(token))
            return make_error("sent a token with characters no header can carry");
        return token;
    }
    return make_error("sent no token");
}

}
