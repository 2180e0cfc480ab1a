#pragma once

#include "vmm/base/result.h"
#include "containers/image/digest.h"

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

// The OCI image spec's index and manifest (image-index.md, manifest.md, descriptor.md), read from
// JSON; the Docker v2 schema 2 manifest and manifest list have the same shape and are read alike.
namespace vmlet::image {

// A platform as `--platform` spells it: os/architecture[/variant] ("linux/arm64/v8").
struct Platform {
    std::string os;
    std::string architecture;
    std::string variant;

    static Result<Platform> parse(std::string_view text);
    // The platform this vmlet runs on (uname's machine in Go's GOARCH names).
    static Platform host();
    std::string to_string() const;
    // A descriptor's platform satisfies a wanted one when os and architecture agree and, if a
    // variant is wanted, it agrees too (image-index.md "platform").
    bool satisfies(const Platform& wanted) const;
};

struct Descriptor {
    std::string media_type;
    Digest digest;
    uint64_t size { 0 };
    std::optional<Platform> platform;
    std::map<std::string, std::string> annotations;
};

struct Index {
    std::vector<Descriptor> manifests;

    static Result<Index> parse(std::string_view json);
    // The manifest for `wanted`, or an error that lists the platforms the index has.
    Result<Descriptor> select(const Platform& wanted) const;
};

struct Manifest {
    Descriptor config;
    std::vector<Descriptor> layers;

    static Result<Manifest> parse(std::string_view json);
};

// The media type a manifest document declares in its own `mediaType` field (empty if absent;
// OCI manifests may omit it, and then the transport's Content-Type decides).
std::string declared_media_type(std::string_view json);

}
