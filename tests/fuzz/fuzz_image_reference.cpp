// Fuzzes image reference parsing (containers/image/reference.cpp): what a user types, and what
// an archive's manifest.json or index.json names its images by (RepoTags, the
// org.opencontainers.image.ref.name annotation).
// Input: the reference text, byte for byte.
// Checks, for a reference the parser accepts: registry and repository are set and a tag or a
// digest is; the canonical form parses to the same reference, and so does the familiar
// repository with the same tag and digest (unless it reads as a registry); the name is at most
// 255 bytes.

#include "containers/image/reference.h"
#include "tests/fuzz/fuzz_check.h"

#include <cstdint>
#include <string>
#include <string_view>

using namespace vmlet::image;
using vmlet::fuzz_support::check;

namespace {

// A Docker Hub repository whose first component looks like a host name (docker.io/foo.bar/app)
// has a familiar form ("foo.bar/app") that names a registry: ambiguous in Docker's own familiar
// form too (distribution/reference FamiliarName), so not checked.
bool reads_as_registry(std::string_view familiar)
{
    auto slash = familiar.find('/');
    if (slash == std::string_view::npos)
        return false;
    auto first = familiar.substr(0, slash);
    return first.find_first_of(".:") != std::string_view::npos || first == "localhost";
}

bool same(const Reference& left, const Reference& right)
{
    return left.registry == right.registry && left.repository == right.repository && left.tag == right.tag && left.digest == right.digest;
}

}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
    std::string_view text(reinterpret_cast<const char*>(data), size);
    auto parsed = Reference::parse(text);
    if (!parsed.ok()) {
        check(!parsed.error().message().empty(), "an error without a message");
        return 0;
    }
    const auto& reference = parsed.value();
    check(!reference.registry.empty() && !reference.repository.empty(), "a reference without a registry or repository");
    check(!reference.tag.empty() || !reference.digest.empty(), "a reference with neither tag nor digest");
    check(reference.registry.size() + 1 + reference.repository.size() <= 255, "a name longer than 255 bytes");
    check(!reference.api_host().empty(), "a reference without an API host");

    auto canonical = Reference::parse(reference.canonical());
    check(canonical.ok(), "the canonical form does not parse");
    check(same(canonical.value(), reference), "the canonical form parses to another reference");

    std::string familiar = reference.familiar_repository();
    if (reference.registry == "docker.io" && reads_as_registry(familiar))
        return 0;
    if (!reference.tag.empty())
        familiar += ":" + reference.tag;
    if (!reference.digest.empty())
        familiar += "@" + reference.digest;
    auto short_form = Reference::parse(familiar);
    check(short_form.ok(), "the familiar form does not parse");
    check(same(short_form.value(), reference), "the familiar form parses to another reference");
    return 0;
}
