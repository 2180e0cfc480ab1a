// Fuzzes the OCI image spec's JSON documents as vmlet reads them (containers/image/oci_manifest.cpp,
// image_config.cpp, json_fields.cpp): a registry or an archive writes every one of them.
// Input: one byte that picks the document (modulo 4: 0 an image index, 1 a manifest, 2 an image
// config, 3 a --platform value), then the document's bytes.
// Checks: every digest read is canonical (it parses back to itself); an index selects, for each
// platform it lists, a manifest that satisfies it; a platform that parses is written back out as
// text that parses to the same platform. The manifest's own mediaType is read from every input.

#include "containers/image/image_config.h"
#include "containers/image/oci_manifest.h"
#include "tests/fuzz/fuzz_check.h"

#include <cstdint>
#include <string_view>

using namespace vmlet::image;
using vmlet::fuzz_support::check;

namespace {

void check_digest(const Digest& digest)
{
    auto again = Digest::parse(digest.string());
    check(again.ok() && again.value() == digest, "a digest that does not parse back to itself");
}

void fuzz_index(std::string_view json)
{
    auto index = Index::parse(json);
    if (!index.ok())
        return;
    for (const auto& manifest : index.value().manifests) {
        check_digest(manifest.digest);
        if (!manifest.platform)
            continue;
        auto selected = index.value().select(*manifest.platform);
        check(selected.ok(), "a platform the index lists is not selected");
        check(selected.value().platform && selected.value().platform->satisfies(*manifest.platform),
            "the selected manifest does not satisfy the platform");
    }
    (void)index.value().select(Platform::host());
}

void fuzz_manifest(std::string_view json)
{
    auto manifest = Manifest::parse(json);
    if (!manifest.ok())
        return;
    check_digest(manifest.value().config.digest);
    for (const auto& layer : manifest.value().layers)
        check_digest(layer.digest);
}

void fuzz_config(std::string_view json)
{
    auto config = ImageConfig::parse(json);
    if (!config.ok())
        return;
    for (const auto& diff_id : config.value().diff_ids)
        check_digest(diff_id);
}

void fuzz_platform(std::string_view text)
{
    auto platform = Platform::parse(text);
    if (!platform.ok())
        return;
    const auto& value = platform.value();
    check(!value.os.empty() && !value.architecture.empty(), "a platform without os or architecture");
    auto again = Platform::parse(value.to_string());
    check(again.ok(), "a platform written back out does not parse");
    check(again.value().os == value.os && again.value().architecture == value.architecture && again.value().variant == value.variant,
        "a platform written back out parses differently");
}

}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
    if (size == 0)
        return 0;
    std::string_view document(reinterpret_cast<const char*>(data) + 1, size - 1);
    switch (data[0] % 4) {
    case 0:
        fuzz_index(document);
        break;
    case 1:
        fuzz_manifest(document);
        break;
    case 2:
        fuzz_config(document);
        break;
    case 3:
        fuzz_platform(document);
        break;
    }
    (void)declared_media_type(document);
    return 0;
}
