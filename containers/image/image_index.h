#pragma once

#include "vmm/base/result.h"
#include "containers/image/digest.h"
#include "containers/image/reference.h"
#include "containers/image/store.h"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace vmlet::image {

struct LayerRecord {
    Digest blob;    // the layer as distributed (compressed)
    Digest diff_id; // the layer unpacked: its directory under layers/
    uint64_t size { 0 };
};

// One image in the store. Its id is its config digest, as `docker images` shows IMAGE ID.
struct ImageRecord {
    Digest id;
    Digest manifest;
    std::string platform; // "linux/amd64"
    std::string created;  // from the config
    std::vector<LayerRecord> layers;
    std::vector<std::string> tags; // canonical references, filled in from tags.json

    uint64_t size() const;
};

// The directories of `image`'s unpacked layers, topmost first: the order of overlayfs's
// lowerdir= option, where an image lists its bottom layer first.
std::vector<std::string> overlay_lower_dirs(const Store& store, const ImageRecord& image);

// The store's names: images/<id>.json, one record per image, and tags.json, which maps each
// canonical reference ("docker.io/library/busybox:latest") to an image id. Both are replaced
// whole with rename(2), so a reader never sees half a file, and synced first (durable_file.h), so
// a crash never leaves an empty one. Callers hold the store's lock.
class ImageIndex {
public:
    explicit ImageIndex(const Store& store);

    Result<void> add(const ImageRecord& record) const;
    Result<std::vector<ImageRecord>> all() const;
    // By canonical reference, by full or unambiguous short id ("sha256:..." or 12+ hex digits).
    Result<ImageRecord> find(std::string_view name_or_id) const;
    // Points `reference` at image `id`, moving it from any image that had it.
    Result<void> tag(const Reference& reference, const Digest& id) const;
    Result<void> untag(const std::string& canonical) const;
    Result<void> remove_record(const Digest& id) const;

private:
    Result<std::vector<std::pair<std::string, Digest>>> read_tags() const;
    Result<void> write_tags(const std::vector<std::pair<std::string, Digest>>& tags) const;
    Result<ImageRecord> read_record(const Digest& id) const;
    std::string record_path(const Digest& id) const;

    std::string m_root;
};

}
