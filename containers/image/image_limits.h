#pragma once

#include <cstdint>

namespace vmlet::image {

// Caps on what one image may make vmlet download, read and write, since every image and every
// registry may be hostile: a gzip or zstd bomb (a small blob that decompresses to terabytes), a
// sparse entry whose holes are written out as zeros, millions of tiny files, a config or manifest
// whose descriptor declares gigabytes. The defaults are far above real images (the largest
// public layers, CUDA and ML frameworks, unpack to around 10 GiB with some 100,000 files) and
// far below what fills a disk by surprise. The CLI reads them from the environment
// (image_limits_environment.h); an image over a cap is refused with one line naming it.
inline constexpr const char* kMaxLayerSizeVariable = "VMLET_MAX_LAYER_SIZE";
inline constexpr const char* kMaxLayerEntriesVariable = "VMLET_MAX_LAYER_ENTRIES";
inline constexpr const char* kMaxManifestSizeVariable = "VMLET_MAX_MANIFEST_SIZE";

// The most VMLET_MAX_MANIFEST_SIZE may be raised to: the store reads configs and manifests whole
// into memory (Store::read_blob).
inline constexpr uint64_t kManifestSizeCeiling = 64 << 20;

struct ImageLimits {
    // One layer: its uncompressed tar stream, checked as it is decompressed, and the sum of the
    // sizes of the files it writes, checked at each entry's header before its data is written.
    uint64_t layer_bytes { uint64_t(32) << 30 };
    // One layer's tar entries, of every kind.
    uint64_t layer_entries { 1'000'000 };
    // A manifest, an index or an image config: checked against the size its descriptor declares
    // before it is fetched, and while it arrives. 4 MiB is the manifest size the OCI
    // distribution spec ("Pulling manifests") lets registries and clients refuse beyond.
    uint64_t manifest_bytes { 4 << 20 };
};

}
