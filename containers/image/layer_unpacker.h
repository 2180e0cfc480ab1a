#pragma once

#include "vmm/base/result.h"
#include "containers/image/digest.h"
#include "containers/image/image_limits.h"

#include <cstdint>
#include <string>

namespace vmlet::image {

// What unpacking one layer produced.
struct UnpackedLayer {
    Digest diff_id;         // sha256 of the uncompressed tar stream (OCI config.md rootfs.diff_ids)
    uint64_t tar_bytes { 0 }; // size of that uncompressed stream
};

// Unpacks one image layer (OCI image spec layer.md: a tar, plain, gzip or zstd) from the file
// `blob_path` into the empty directory `destination`, in the form overlayfs takes as a lower
// directory: a whiteout `.wh.NAME` becomes a 0/0 character device NAME, an opaque marker
// `.wh..wh..opq` becomes the xattr trusted.overlay.opaque=y on its directory.
// Refuses, naming the entry, anything that could write outside `destination`: `..` components,
// absolute paths, a path through a symlink, a hardlink whose target is outside the layer, and
// device nodes. Of the entries' xattrs only security.capability and user.* are kept; the
// trusted.* namespace belongs to overlayfs. Refuses a layer over `limits` (image_limits.h): more
// entries than layer_entries, an uncompressed stream or files adding up to more than layer_bytes,
// before writing what would pass them (the default caps unless told). On error the caller
// removes `destination`.
Result<UnpackedLayer> unpack_layer(const std::string& blob_path, const std::string& destination, const ImageLimits& limits = {});

}
