#pragma once

#include "vmm/base/result.h"
#include "containers/image/image_index.h"
#include "containers/image/oci_manifest.h"
#include "containers/image/reference.h"
#include "containers/image/store.h"

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

// `vmlet pull`: the manifest `reference` names (an index resolved to `platform`'s manifest,
// image-index.md), then what import_image() needs of its blobs, each checked against its digest.
// The caller holds the store's exclusive lock.
Result<PulledImage> pull_image(const Store& store, const ImageIndex& index, const Reference& reference, const Platform& platform,
    PullObserver& observer);

}
