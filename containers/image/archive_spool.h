#pragma once

#include "vmm/base/result.h"

#include <string>
#include <string_view>

namespace vmlet::image {

// True for the member names an image archive can hold: `docker save`'s manifest.json,
// repositories, <id>.json and <id>/{layer.tar,json,VERSION}, and an OCI layout's oci-layout,
// index.json and blobs/sha256/<hex> (image-layout.md). Each is a fixed name or 64 hex digits in a
// fixed place, so no accepted name can climb out of the directory it is joined to.
bool is_image_archive_member(std::string_view name);

// Writes the members of the tar archive at `archive_path` (plain, gzip or zstd) that
// is_image_archive_member() accepts into the empty directory `directory`, skipping all others.
// Symbolic and hard links between accepted members (how `docker save` shares a layer between
// images) become hard links; links to anything else are skipped.
Result<void> spool_image_archive(const std::string& archive_path, const std::string& directory);

}
