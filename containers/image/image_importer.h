#pragma once

#include "vmm/base/result.h"
#include "containers/image/image_index.h"
#include "containers/image/image_limits.h"
#include "containers/image/oci_manifest.h"
#include "containers/image/reference.h"
#include "containers/image/staging.h"
#include "containers/image/store.h"

#include <string>
#include <vector>

namespace vmlet::image {

// Where an image's blobs come from: a registry, an archive, an OCI layout directory.
class BlobSource {
public:
    virtual ~BlobSource() = default;
    // Writes the blob `blob` describes to the new file `path` (in a Staging), its content checked
    // against blob.digest; on error `path` does not exist.
    virtual Result<void> fetch(const Descriptor& blob, const std::string& path) = 0;
};

// A manifest to import: its exact bytes (their digest is recorded) and where its blobs are.
struct ManifestSource {
    std::string bytes;
    BlobSource& blobs;
};

// An image whose parts the store lacked are fetched, checked and unpacked into a Staging.
struct StagedImage {
    ImageRecord record; // as the store will hold it, without tags
    std::string manifest;
};

// Fetches into `staging` what the store lacks of the image a manifest describes: its config blob,
// and each layer, unpacked once by diff_id (OCI config.md "rootfs"); then syncs it. A config
// whose descriptor declares more than limits.manifest_bytes is refused before it is fetched, a
// layer over the caps while it is unpacked (image_limits.h). Needs no lock on the store, so a
// pull holds none while it downloads.
Result<StagedImage> stage_image(const Store& store, const Staging& staging, const ManifestSource& source, const ImageLimits& limits);

// Moves a staged image into the store: config, layers, the manifest blob, then the record and
// finally the tags. That order means a commit that fails or is killed half-way leaves blobs and
// layers that no image names (collect_garbage removes them), never an image whose parts are
// missing. A part that was in the store at staging time and has gone since (a concurrent rmi) is
// an error. The caller holds the store's exclusive lock.
Result<ImageRecord> commit_image(const Store& store, const ImageIndex& index, const Staging& staging, const StagedImage& image,
    const std::vector<Reference>& tags);

// Both at once, for a caller that holds the exclusive lock throughout (vmlet load).
Result<ImageRecord> import_image(const Store& store, const ImageIndex& index, const Staging& staging, const ManifestSource& source,
    const std::vector<Reference>& tags, const ImageLimits& limits);

}
