#include "containers/image/image_removal.h"

#include <algorithm>
#include <filesystem>
#include <set>

namespace vmlet::image {

namespace {

// The hex names under `directory` that are digests and are not in `keep`.
std::vector<Digest> unreferenced(const std::string& directory, const std::set<Digest>& keep)
{
    std::vector<Digest> found;
    std::error_code error;
    for (const auto& entry : std::filesystem::directory_iterator(directory, error)) {
        auto digest = Digest::parse("sha256:" + entry.path().filename().string());
        if (digest.ok() && !keep.contains(digest.value()))
            found.push_back(digest.value());
    }
    return found;
}

}

Result<std::vector<std::string>> remove_image(const Store& store, const ImageIndex& index, std::string_view name_or_id, bool force,
    const ImageUser& user)
{
    auto image = TRY(index.find(name_or_id));
    std::vector<std::string> lines;
    auto reference = Reference::parse(name_or_id);
    bool by_name = reference.ok() && std::find(image.tags.begin(), image.tags.end(), reference.value().canonical()) != image.tags.end();
    if (by_name && image.tags.size() > 1) {
        TRY(index.untag(reference.value().canonical()));
        lines.push_back("Untagged: " + reference.value().canonical());
        return lines;
    }
    if (auto container = user(image.id))
        return make_error("image {} is used by container {}; remove the container first (vmlet rm)", name_or_id, *container);
    if (!by_name && image.tags.size() > 1 && !force)
        return make_error("image {} has {} names; remove them one by one, or use --force", image.id.short_hex(), image.tags.size());
    for (const auto& tag : image.tags) {
        TRY(index.untag(tag));
        lines.push_back("Untagged: " + tag);
    }
    TRY(index.remove_record(image.id));
    lines.push_back("Deleted: " + image.id.string());
    TRY(collect_garbage(store, index));
    return lines;
}

Result<void> collect_garbage(const Store& store, const ImageIndex& index)
{
    std::set<Digest> blobs, layers;
    for (const auto& image : TRY(index.all())) {
        blobs.insert(image.id);
        blobs.insert(image.manifest);
        for (const auto& layer : image.layers)
            layers.insert(layer.diff_id);
    }
    for (const auto& blob : unreferenced(store.root() + "/blobs/sha256", blobs))
        TRY(store.remove_blob(blob));
    for (const auto& layer : unreferenced(store.root() + "/layers", layers))
        TRY(store.remove_layer(layer));
    // VM isolation's disk of each image (containers/runtime/vm/image_disk.h): <image hex>.ext4.
    std::error_code error;
    for (const auto& entry : std::filesystem::directory_iterator(store.root() + "/disks", error)) {
        auto id = Digest::parse("sha256:" + entry.path().stem().string());
        if (!id.ok() || !blobs.contains(id.value()))
            std::filesystem::remove(entry.path(), error);
    }
    return {};
}

}
