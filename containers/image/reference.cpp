#include "containers/image/reference.h"

#include <algorithm>

namespace vmlet::image {

namespace {

constexpr std::string_view kDockerHub = "docker.io";
constexpr size_t kMaxNameLength = 255; // distribution/reference: NameTotalLengthMax

bool lower_alnum(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); }
bool hex_digit(char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); }

// path-component: [a-z0-9]+ ((\.|_|__|-+) [a-z0-9]+)*
bool valid_component(std::string_view component)
{
    if (component.empty() || !lower_alnum(component.front()) || !lower_alnum(component.back()))
        return false;
    for (size_t index = 0; index < component.size();) {
        if (lower_alnum(component[index])) {
            ++index;
            continue;
        }
        size_t end = index;
        while (end < component.size() && !lower_alnum(component[end]))
            ++end;
        auto separator = component.substr(index, end - index);
        bool dashes = std::all_of(separator.begin(), separator.end(), [](char c) { return c == '-'; });
        if (separator != "." && separator != "_" && separator != "__" && !dashes)
            return false;
        index = end;
    }
    return true;
}

// tag: [\w][\w.-]{0,127}
bool valid_tag(std::string_view tag)
{
    auto word = [](char c) { return lower_alnum(c) || (c >= 'A' && c <= 'Z') || c == '_'; };
    return !tag.empty() && tag.size() <= 128 && word(tag.front())
        && std::all_of(tag.begin(), tag.end(), [&](char c) { return word(c) || c == '.' || c == '-'; });
}

// OCI image spec, descriptor.md "Digests": algorithm ":" encoded; sha256 and sha512 are registered.
bool valid_digest(std::string_view digest)
{
    auto colon = digest.find(':');
    if (colon == std::string_view::npos)
        return false;
    auto algorithm = digest.substr(0, colon);
    auto encoded = digest.substr(colon + 1);
    size_t length = algorithm == "sha256" ? 64 : algorithm == "sha512" ? 128 : 0;
    return length != 0 && encoded.size() == length && std::all_of(encoded.begin(), encoded.end(), hex_digit);
}

// domain: host name components (letters, digits, '-', '.') with an optional ":port".
bool valid_registry(std::string_view registry)
{
    auto colon = registry.rfind(':');
    auto host = registry.substr(0, colon);
    if (host.empty() || host.front() == '-' || host.front() == '.')
        return false;
    bool host_ok = std::all_of(host.begin(), host.end(), [](char c) {
        return lower_alnum(c) || (c >= 'A' && c <= 'Z') || c == '-' || c == '.';
    });
    if (colon == std::string_view::npos)
        return host_ok;
    auto port = registry.substr(colon + 1);
    return host_ok && !port.empty() && port.size() <= 5 && std::all_of(port.begin(), port.end(), [](char c) { return c >= '0' && c <= '9'; });
}

}

Result<Reference> Reference::parse(std::string_view text)
{
    auto invalid = [&](std::string_view why) { return make_error("invalid reference format '{}': {}", text, why); };
    if (text.empty())
        return invalid("empty");
    Reference reference;
    std::string_view name = text;
    if (auto at = name.find('@'); at != std::string_view::npos) {
        reference.digest = std::string(name.substr(at + 1));
        name = name.substr(0, at);
        if (!valid_digest(reference.digest))
            return invalid("the digest must be sha256:<64 hex digits> or sha512:<128>");
    }
    // A ':' after the last '/' starts the tag; one before it belongs to a registry's port.
    auto slash = name.rfind('/');
    if (auto colon = name.rfind(':'); colon != std::string_view::npos && (slash == std::string_view::npos || colon > slash)) {
        reference.tag = std::string(name.substr(colon + 1));
        name = name.substr(0, colon);
        if (!valid_tag(reference.tag))
            return invalid("a tag is letters, digits, '_', '.' and '-', at most 128, not starting with '.' or '-'");
    }
    // distribution/reference splitDockerDomain: the first component is a registry only if it
    // looks like a host name.
    auto first_slash = name.find('/');
    auto first = name.substr(0, first_slash);
    bool has_registry = first_slash != std::string_view::npos
        && (first.find_first_of(".:") != std::string_view::npos || first == "localhost"
            || std::any_of(first.begin(), first.end(), [](char c) { return c >= 'A' && c <= 'Z'; }));
    if (has_registry) {
        reference.registry = std::string(first);
        reference.repository = std::string(name.substr(first_slash + 1));
        if (!valid_registry(reference.registry))
            return invalid("bad registry name");
    } else {
        reference.registry = std::string(kDockerHub);
        reference.repository = std::string(name);
    }
    if (reference.registry == "index.docker.io")
        reference.registry = std::string(kDockerHub);
    if (reference.registry == kDockerHub && reference.repository.find('/') == std::string::npos)
        reference.repository = "library/" + reference.repository;

    if (std::any_of(reference.repository.begin(), reference.repository.end(), [](char c) { return c >= 'A' && c <= 'Z'; }))
        return invalid("repository names must be lowercase");
    for (size_t start = 0;;) {
        auto end = reference.repository.find('/', start);
        if (!valid_component(std::string_view(reference.repository).substr(start, end - start)))
            return invalid("each name component is lowercase letters and digits, joined by '.', '_', '__' or '-'");
        if (end == std::string::npos)
            break;
        start = end + 1;
    }
    if (reference.registry.size() + 1 + reference.repository.size() > kMaxNameLength)
        return invalid("the name is longer than 255 characters");
    if (reference.tag.empty() && reference.digest.empty())
        reference.tag = "latest";
    return reference;
}

std::string Reference::canonical() const
{
    std::string text = registry + "/" + repository;
    if (!tag.empty())
        text += ":" + tag;
    if (!digest.empty())
        text += "@" + digest;
    return text;
}

std::string Reference::familiar_repository() const
{
    if (registry != kDockerHub)
        return registry + "/" + repository;
    // distribution/reference FamiliarName drops "library/" only before a single component:
    // "library/a/b" shortened to "a/b" would name docker.io/a/b, another repository.
    constexpr std::string_view kOfficial = "library/";
    bool official = repository.starts_with(kOfficial) && repository.find('/', kOfficial.size()) == std::string::npos;
    return official ? repository.substr(kOfficial.size()) : repository;
}

std::string Reference::api_host() const
{
    return registry == kDockerHub ? "registry-1.docker.io" : registry;
}

}
