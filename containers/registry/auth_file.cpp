#include "containers/registry/auth_file.h"

#include "containers/registry/base64.h"

#include <nlohmann/json.hpp>

namespace vmlet::image {

namespace {

using nlohmann::json;

// What a file parses to, or an error naming it. An empty file is an empty set of credentials.
Result<json> parse_auth_file(std::string_view text, const std::string& source)
{
    if (text.find_first_not_of(" \t\r\n") == std::string_view::npos)
        return json::object();
    auto document = json::parse(text, nullptr, false);
    if (!document.is_object())
        return make_error("{} is not a JSON object", source);
    if (document.contains("auths") && !document["auths"].is_object())
        return make_error("{}: \"auths\" is not a JSON object", source);
    return document;
}

// Whether `key` (normal) names `registry/repository`: the registry itself, or a namespace or the
// repository under it, whole path components only.
bool names(std::string_view key, std::string_view registry, std::string_view repository)
{
    std::string name = std::string(registry) + "/" + std::string(repository);
    if (key == registry || key == name)
        return true;
    return key.starts_with(std::string(registry) + "/") && name.starts_with(std::string(key) + "/");
}

}

std::string normal_auth_key(std::string_view key)
{
    for (std::string_view scheme : { "https://", "http://" }) {
        if (key.starts_with(scheme)) {
            key.remove_prefix(scheme.size());
            key = key.substr(0, key.find('/'));
        }
    }
    while (key.ends_with('/'))
        key.remove_suffix(1);
    std::string_view host = key.substr(0, key.find('/'));
    for (std::string_view hub : { "index.docker.io", "registry-1.docker.io" }) {
        if (host == hub)
            return "docker.io" + std::string(key.substr(host.size()));
    }
    return std::string(key);
}

Result<std::optional<Credentials>> credentials_in(std::string_view text, const std::string& source, std::string_view registry,
    std::string_view repository)
{
    auto document = TRY(parse_auth_file(text, source));
    if (!document.contains("auths"))
        return std::optional<Credentials> {};
    const json* best = nullptr;
    std::string best_key;
    for (const auto& [key, entry] : document["auths"].items()) {
        std::string normal = normal_auth_key(key);
        if (names(normal, registry, repository) && (!best || normal.size() > best_key.size())) {
            best = &entry;
            best_key = key;
        }
    }
    if (!best || !best->is_object() || !best->contains("auth"))
        return std::optional<Credentials> {};
    const json& auth = (*best)["auth"];
    auto decoded = auth.is_string() ? base64_decode(auth.get<std::string>()) : std::nullopt;
    auto colon = decoded ? decoded->find(':') : std::string::npos;
    if (colon == std::string::npos)
        return make_error("{}: the \"auth\" of \"{}\" is not base64 of user:password", source, best_key);
    return std::optional<Credentials>(Credentials { .user = decoded->substr(0, colon), .password = decoded->substr(colon + 1), .source = source });
}

Result<std::optional<std::string>> with_credentials(std::string_view text, const std::string& source, std::string_view registry,
    const std::optional<std::pair<std::string, std::string>>& user_password)
{
    auto document = TRY(parse_auth_file(text, source));
    auto& auths = document["auths"];
    if (auths.is_null())
        auths = json::object();
    // Any spelling of this registry goes, so the entry written is the one read.
    bool erased = false;
    for (auto it = auths.begin(); it != auths.end();) {
        if (normal_auth_key(it.key()) == registry) {
            it = auths.erase(it);
            erased = true;
        } else {
            ++it;
        }
    }
    if (!user_password && !erased)
        return std::optional<std::string> {};
    if (user_password)
        auths[std::string(registry)] = { { "auth", base64(user_password->first + ":" + user_password->second) } };
    return std::optional<std::string>(document.dump(1, '\t') + "\n");
}

}
