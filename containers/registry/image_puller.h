#pragma once

#include "vmm/base/result.h"
#include "containers/image/image_index.h"
#include "containers/image/image_limits.h"
#include "containers/image/oci_manifest.h"
#include "containers/image/reference.h"
#include "containers/image/store.h"

#include <chrono>
#include <cstdint>

namespace vmlet::image {

// Told about each blob a pull downloads, to show progress.
class PullObserver {
public:
    virtual ~PullObserver() = default;
    virtual void downloading(const Descriptor& blob) = 0;
    virtual void progress(uint64_t done, uint64_t total) = 0;
    virtual void downloaded(const Descriptor& blob) = 0;
};

struct PulledImage {
    ImageRecord record;
    Digest digest;      // of the manifest or index the reference named, as `docker pull` prints it
    bool downloaded_any; // false when the store had every part already
};

// How long a pull's downloads may take in all, besides each request's own stall and whole-request
// timeouts: VMLET_PULL_TIMEOUT, in seconds (0: no limit), read by the CLI.
inline constexpr const char* kPullTimeoutVariable = "VMLET_PULL_TIMEOUT";
struct PullLimits {
    std::chrono::seconds timeout { 3600 };
    ImageLimits image {};
};

// `vmlet pull`: the manifest `reference` names (an index resolved to `platform`'s manifest,
// image-index.md), then what the store lacks of its blobs, each checked against its digest and
// unpacked into a staging directory (stage_image) without any lock on the store, so a slow
// registry holds up no other command; the store's exclusive lock is taken only to commit. The
// caller holds no lock on the store.
Result<PulledImage> pull_image(const Store& store, const Reference& reference, const Platform& platform, PullObserver& observer,
    const PullLimits& limits);

}
