#pragma once

#include "vmm/base/result.h"

#include <cstdint>
#include <string>
#include <vector>

namespace vmlet {

// What an image's disk is made from.
struct ImageDiskSource {
    std::string image_hex;               // the image id's hex: the disk's name
    std::vector<std::string> lower_dirs; // its unpacked layers, topmost first
    uint64_t content_bytes { 0 };        // the layers' uncompressed size, to size the file system
};

// The image's root file system as one ext4 file for VM isolation, attached read-only as
// /dev/vda: built once per image from its layers merged by a read-only overlay mount (so
// whiteouts and opaque directories are applied), with `mkfs.ext4 -d`, and kept as
// <store>/disks/<image hex>.ext4. Built under the store's tmp/ and renamed into place, so a
// reader never sees half a disk. The caller holds the store's lock (shared is enough).
Result<std::string> image_disk(const std::string& store_root, const std::string& temp_path, const ImageDiskSource& source);

}
