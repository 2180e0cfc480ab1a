#include "containers/image/oci_manifest.h"

#include "containers/image/json_fields.h"

#include <sys/utsname.h>

namespace vmlet::image {

using namespace json_fields;

namespace {

// Go's GOARCH names, which image platforms use (image-index.md "platform.architecture").
std::string goarch(std::string_view machine)
{
    if (machine == "x86_64")
        return "amd64";
    if (machine == "aarch64")
        return "arm64";
    if (machine == "i686" || machine == "i386")
        return "386";
    return std::string(machine);
}

Result<Platform> parse_platform(const Json& object)
{
    Platform platform;
    platform.os = TRY(required_string(object, "os"));
    platform.architecture = TRY(required_string(object, "architecture"));
    platform.variant = TRY(string_or_empty(object, "variant"));
    return platform;
}

Result<Descriptor> parse_descriptor(const Json& object)
{
    if (!object.is_object())
        return make_error("a descriptor is not an object");
    auto digest_text = TRY(required_string(object, "digest"));
    // Each field is read before the aggregate is built: clang does not destroy the members already
    // built when a TRY (a GNU statement expression) inside a braced initializer returns, so the
    // media type leaked on a bad digest (found by fuzz_image_json; GCC destroys them).
    auto media_type = TRY(string_or_empty(object, "mediaType"));
    auto digest = TRY(Digest::parse(digest_text));
    Descriptor descriptor {
        .media_type = std::move(media_type),
        .digest = std::move(digest),
        .size = 0,
        .platform = {},
        .annotations = {},
    };
    auto size = object.find("size");
    if (size == object.end() || !size->is_number_unsigned())
        return make_error("descriptor {}: 'size' is missing or not a non-negative integer", descriptor.digest.string());
    descriptor.size = size->get<uint64_t>();
    if (const Json* platform = TRY(object_or_null(object, "platform")))
        descriptor.platform = TRY(parse_platform(*platform));
    if (const Json* annotations = TRY(object_or_null(object, "annotations"))) {
        for (const auto& item : annotations->items()) {
            if (item.value().is_string())
                descriptor.annotations[item.key()] = item.value().get<std::string>();
        }
    }
    return descriptor;
}

Result<std::vector<Descriptor>> parse_descriptors(const Json& object, const char* field)
{
    const Json* array = TRY(array_or_null(object, field));
    if (!array)
        return make_error("'{}' is missing", field);
    std::vector<Descriptor> descriptors;
    for (const auto& element : *array)
        descriptors.push_back(TRY(parse_descriptor(element)));
    return descriptors;
}

}

Result<Platform> Platform::parse(std::string_view text)
{
    Platform platform;
    auto slash = text.find('/');
    if (slash == std::string_view::npos || slash == 0)
        return make_error("'{}' is not a platform (os/architecture[/variant], e.g. linux/arm64)", text);
    platform.os = std::string(text.substr(0, slash));
    auto rest = text.substr(slash + 1);
    auto second = rest.find('/');
    platform.architecture = std::string(rest.substr(0, second));
    if (second != std::string_view::npos)
        platform.variant = std::string(rest.substr(second + 1));
    if (platform.architecture.empty() || (second != std::string_view::npos && platform.variant.empty()))
        return make_error("'{}' is not a platform (os/architecture[/variant], e.g. linux/arm64)", text);
    return platform;
}

Platform Platform::host()
{
    struct utsname name { };
    ::uname(&name);
    return { "linux", goarch(name.machine), "" };
}

std::string Platform::to_string() const
{
    return variant.empty() ? os + "/" + architecture : os + "/" + architecture + "/" + variant;
}

bool Platform::satisfies(const Platform& wanted) const
{
    return os == wanted.os && architecture == wanted.architecture && (wanted.variant.empty() || variant == wanted.variant);
}

Result<Index> Index::parse(std::string_view json)
{
    auto object = TRY(parse_object(json, "the image index"));
    return Index { TRY_CONTEXT(parse_descriptors(object, "manifests"), "image index") };
}

Result<Descriptor> Index::select(const Platform& wanted) const
{
    std::string available;
    for (const auto& manifest : manifests) {
        // Attestation manifests (buildx) carry platform unknown/unknown and never match.
        if (manifest.platform && manifest.platform->satisfies(wanted))
            return manifest;
        if (manifest.platform)
            available += (available.empty() ? "" : ", ") + manifest.platform->to_string();
    }
    return make_error("no image for platform {} (the image has: {})", wanted.to_string(), available.empty() ? "none named" : available);
}

Result<Manifest> Manifest::parse(std::string_view json)
{
    auto object = TRY(parse_object(json, "the image manifest"));
    const Json* config = TRY_CONTEXT(object_or_null(object, "config"), "image manifest");
    if (!config)
        return make_error("image manifest: 'config' is missing");
    // Not TRY inside the braces, as in parse_descriptor: the config leaked when the layers were bad.
    auto config_descriptor = TRY_CONTEXT(parse_descriptor(*config), "image manifest config");
    auto layers = TRY_CONTEXT(parse_descriptors(object, "layers"), "image manifest");
    return Manifest { .config = std::move(config_descriptor), .layers = std::move(layers) };
}

std::string declared_media_type(std::string_view json)
{
    auto object = parse_object(json, "manifest");
    if (!object.ok())
        return {};
    auto type = string_or_empty(object.value(), "mediaType");
    return type.ok() ? type.value() : std::string();
}

}
