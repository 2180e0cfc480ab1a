#include "containers/image/image_importer.h"

#include "containers/image/image_config.h"

#include <unistd.h>

namespace vmlet::image {

namespace {

Result<ImageConfig> import_config(const Store& store, BlobSource& blobs, const Descriptor& config)
{
    if (!store.has_blob(config.digest)) {
        auto staged = TRY_CONTEXT(blobs.fetch(config), "image config");
        TRY(store.commit_blob(staged, config.digest));
    }
    auto bytes = TRY(store.read_blob(config.digest));
    return ImageConfig::parse(bytes);
}

Result<uint64_t> import_layer(const Store& store, BlobSource& blobs, const Descriptor& layer, const Digest& diff_id)
{
    if (store.has_layer(diff_id))
        return store.layer_size(diff_id);
    auto staged = TRY(blobs.fetch(layer));
    auto unpacked = store.unpack_layer(staged, diff_id);
    // The compressed blob goes once it is unpacked, as Docker keeps only the unpacked layer.
    ::unlink(staged.c_str());
    if (!unpacked.ok())
        return unpacked.release_error();
    return unpacked.value().tar_bytes;
}

std::string platform_of(const ImageConfig& config)
{
    return Platform { config.os, config.architecture, config.variant }.to_string();
}

}

Result<ImageRecord> import_image(const Store& store, const ImageIndex& index, const ManifestSource& source,
    const std::vector<Reference>& tags)
{
    auto manifest = TRY_CONTEXT(Manifest::parse(source.bytes), "image manifest");
    auto config = TRY(import_config(store, source.blobs, manifest.config));
    // OCI config.md: rootfs.diff_ids lists one diff_id per manifest layer, in the same order.
    if (config.diff_ids.size() != manifest.layers.size())
        return make_error("the image config lists {} layers, its manifest {}", config.diff_ids.size(), manifest.layers.size());

    ImageRecord record {
        .id = manifest.config.digest,
        .manifest = Digest::of(source.bytes),
        .platform = platform_of(config),
        .created = config.created,
        .layers = {},
        .tags = {},
    };
    for (size_t i = 0; i < manifest.layers.size(); i++) {
        auto size = TRY(import_layer(store, source.blobs, manifest.layers[i], config.diff_ids[i]));
        record.layers.push_back({ manifest.layers[i].digest, config.diff_ids[i], size });
    }
    if (!store.has_blob(record.manifest))
        TRY(store.write_blob(source.bytes, record.manifest));
    TRY(index.add(record));
    for (const auto& tag : tags) {
        TRY(index.tag(tag, record.id));
        record.tags.push_back(tag.canonical());
    }
    return record;
}

}
