#pragma once

#include "vmm/base/result.h"
#include "containers/image/image_index.h"
#include "containers/image/oci_manifest.h"
#include "containers/image/reference.h"
#include "containers/image/store.h"

#include <string>
#include <vector>

namespace vmlet::image {

// Where an image's blobs come from: a registry, an archive, an OCI layout directory.
class BlobSource {
public:
    virtual ~BlobSource() = default;
    // A file under the store's tmp/ holding the blob `blob` describes, its content already checked
    // against blob.digest. The importer consumes it (renames or removes it).
    virtual Result<std::string> fetch(const Descriptor& blob) = 0;
};

// A manifest to import: its exact bytes (their digest is recorded) and where its blobs are.
struct ManifestSource {
    std::string bytes;
    BlobSource& blobs;
};

// Adds the image a manifest describes to the store: its config blob, each layer unpacked once by
// diff_id (layers the store has are not fetched again), the manifest blob, then the record and
// finally the tags. That order means an import that fails or is killed half-way leaves blobs and
// layers that no image names, never an image whose parts are missing. The caller holds the
// store's exclusive lock.
Result<ImageRecord> import_image(const Store& store, const ImageIndex& index, const ManifestSource& source,
    const std::vector<Reference>& tags);

}
