#pragma once

#include "vmm/base/result.h"
#include "containers/image/image_index.h"
#include "containers/image/image_limits.h"
#include "containers/image/oci_manifest.h"
#include "containers/image/store.h"

#include <string>
#include <vector>

namespace vmlet::image {

// `vmlet load`: images from a directory holding either a `docker save` tree (manifest.json) or an
// OCI image layout (image-layout.md: oci-layout, index.json, blobs/). From an image index (a
// multi-platform image) the manifest for `platform` is chosen. Names come from manifest.json's
// RepoTags, or from an index entry's annotations: io.containerd.image.name, or
// org.opencontainers.image.ref.name when it is a full reference and not just a tag; an image
// without one is loaded untagged. manifest.json is the authority on where the files are: any name
// it gives is taken if it leads, through symbolic links if need be, to a regular file inside the
// directory (resolve_archive_member in archive_spool.h); anything else is refused by name. An
// image over `limits` is refused (stage_image). The caller holds the store's exclusive lock.
Result<std::vector<ImageRecord>> load_image_directory(const Store& store, const ImageIndex& index, const std::string& directory,
    const Platform& platform, const ImageLimits& limits);

// The same from a tar archive of such a tree (plain, gzip or zstd), as `docker save`, `podman
// save` (--format docker-archive or oci-archive) and `skopeo copy ... docker-archive:` or
// `oci-archive:` write: its members are first spooled into the store's tmp/.
Result<std::vector<ImageRecord>> load_image_archive(const Store& store, const ImageIndex& index, const std::string& archive_path,
    const Platform& platform, const ImageLimits& limits);

}
