#include "containers/image/image_importer.h"

#include "vmm/base/file.h"
#include "containers/image/durable_file.h"
#include "containers/image/image_config.h"
#include "containers/image/layer_unpacker.h"

#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>

namespace vmlet::image {

namespace {

bool exists(const std::string& path)
{
    return ::access(path.c_str(), F_OK) == 0;
}

// The config is read whole wherever vmlet uses it (Store::read_blob), so its size is capped: by
// the descriptor before a byte is fetched (BlobSource::fetch then takes no more than that), and
// by reading at most the cap.
Result<ImageConfig> stage_config(const Store& store, const Staging& staging, BlobSource& blobs, const Descriptor& config,
    const ImageLimits& limits)
{
    if (config.size > limits.manifest_bytes) {
        return make_error("image config {} is {} bytes by its descriptor, more than {}, the cap {} sets", config.digest.string(), config.size,
            limits.manifest_bytes, kMaxManifestSizeVariable);
    }
    auto path = store.blob_path(config.digest);
    if (!store.has_blob(config.digest)) {
        path = staging.blob_path(config.digest);
        TRY_CONTEXT(blobs.fetch(config, path), "image config");
    }
    auto bytes = TRY(read_small_file(path, limits.manifest_bytes));
    return ImageConfig::parse(bytes);
}

// The layer blob `layer` unpacked into the staging directory `directory` (diff/ and size, as
// under layers/), refused when its uncompressed content does not have `diff_id`. The blob itself
// goes once it is unpacked, as Docker keeps only the unpacked layer.
Result<uint64_t> stage_layer(const Staging& staging, BlobSource& blobs, const Descriptor& layer, const Digest& diff_id,
    const std::string& directory, const ImageLimits& limits)
{
    auto blob = staging.blob_path(layer.digest);
    TRY(blobs.fetch(layer, blob));
    std::error_code error;
    std::filesystem::create_directories(directory + "/diff", error);
    if (error)
        return make_error("cannot create {}: {}", directory, error.message());
    auto unpacked = unpack_layer(blob, directory + "/diff", limits);
    ::unlink(blob.c_str());
    if (!unpacked.ok())
        return unpacked.release_error();
    if (unpacked.value().diff_id != diff_id)
        return make_error("layer {} has the wrong content (its diff_id is {})", diff_id.string(), unpacked.value().diff_id.string());
    TRY(write_file_durably(directory + "/size", std::to_string(unpacked.value().tar_bytes)));
    return unpacked.value().tar_bytes;
}

// The size of the layer with `diff_id`, unpacked into `staging` unless the store has it or this
// image listed it before (an image may hold one layer twice, empty ones especially).
Result<uint64_t> layer_size(const Store& store, const Staging& staging, BlobSource& blobs, const ImageRecord& so_far,
    const Descriptor& layer, const Digest& diff_id, const ImageLimits& limits)
{
    if (store.has_layer(diff_id))
        return store.layer_size(diff_id);
    for (const auto& earlier : so_far.layers) {
        if (earlier.diff_id == diff_id)
            return earlier.size;
    }
    return stage_layer(staging, blobs, layer, diff_id, staging.layer_path(diff_id), limits);
}

std::string platform_of(const ImageConfig& config)
{
    return Platform { config.os, config.architecture, config.variant }.to_string();
}

}

Result<StagedImage> stage_image(const Store& store, const Staging& staging, const ManifestSource& source, const ImageLimits& limits)
{
    auto manifest = TRY_CONTEXT(Manifest::parse(source.bytes), "image manifest");
    auto config = TRY(stage_config(store, staging, source.blobs, manifest.config, limits));
    // OCI config.md: rootfs.diff_ids lists one diff_id per manifest layer, in the same order.
    if (config.diff_ids.size() != manifest.layers.size())
        return make_error("the image config lists {} layers, its manifest {}", config.diff_ids.size(), manifest.layers.size());

    StagedImage staged {
        .record = {
            .id = manifest.config.digest,
            .manifest = Digest::of(source.bytes),
            .platform = platform_of(config),
            .created = config.created,
            .layers = {},
            .tags = {},
        },
        .manifest = source.bytes,
    };
    for (size_t i = 0; i < manifest.layers.size(); i++) {
        const auto& layer = manifest.layers[i];
        auto size = TRY(layer_size(store, staging, source.blobs, staged.record, layer, config.diff_ids[i], limits));
        staged.record.layers.push_back({ layer.digest, config.diff_ids[i], size });
    }
    TRY(staging.sync());
    return staged;
}

Result<ImageRecord> commit_image(const Store& store, const ImageIndex& index, const Staging& staging, const StagedImage& image,
    const std::vector<Reference>& tags)
{
    auto gone = [](const Digest& digest) {
        return make_error("{} left the store while this image was being fetched (removed by another command); try again", digest.string());
    };
    const auto& record = image.record;
    if (auto staged = staging.blob_path(record.id); exists(staged))
        TRY(store.commit_blob(staged, record.id));
    else if (!store.has_blob(record.id))
        return gone(record.id);
    for (const auto& layer : record.layers) {
        if (auto staged = staging.layer_path(layer.diff_id); exists(staged))
            TRY(store.commit_layer(staged, layer.diff_id));
        else if (!store.has_layer(layer.diff_id))
            return gone(layer.diff_id);
    }
    if (!store.has_blob(record.manifest))
        TRY(store.write_blob(image.manifest, record.manifest));
    TRY(index.add(record));
    ImageRecord committed = record;
    for (const auto& tag : tags) {
        TRY(index.tag(tag, record.id));
        committed.tags.push_back(tag.canonical());
    }
    return committed;
}

Result<ImageRecord> import_image(const Store& store, const ImageIndex& index, const Staging& staging, const ManifestSource& source,
    const std::vector<Reference>& tags, const ImageLimits& limits)
{
    auto staged = TRY(stage_image(store, staging, source, limits));
    return commit_image(store, index, staging, staged, tags);
}

}
