#include "containers/registry/image_puller.h"

#include "containers/image/image_importer.h"
#include "containers/image/image_removal.h"
#include "containers/image/media_types.h"
#include "containers/registry/registry_client.h"

namespace vmlet::image {

namespace {

class RegistryBlobs final : public BlobSource {
public:
    RegistryBlobs(RegistryClient& client, PullObserver& observer)
        : m_client(client)
        , m_observer(observer)
    {
    }

    Result<void> fetch(const Descriptor& blob, const std::string& path) override
    {
        m_observer.downloading(blob);
        TRY(m_client.download_blob(blob.digest, blob.size, path, [this](uint64_t done, uint64_t total) { m_observer.progress(done, total); }));
        m_observer.downloaded(blob);
        m_downloaded_any = true;
        return {};
    }

    bool downloaded_any() const { return m_downloaded_any; }

private:
    RegistryClient& m_client;
    PullObserver& m_observer;
    bool m_downloaded_any { false };
};

// The media type of a fetched document: the transport's, unless it said nothing useful.
std::string type_of(const FetchedManifest& fetched)
{
    if (media_type::is_index(fetched.media_type) || media_type::is_manifest(fetched.media_type))
        return fetched.media_type;
    return declared_media_type(fetched.bytes);
}

}

Result<PulledImage> pull_image(const Store& store, const Reference& reference, const Platform& platform, PullObserver& observer,
    const PullLimits& limits)
{
    auto client = TRY(RegistryClient::connect(reference, limits.image.manifest_bytes));
    if (limits.timeout.count() > 0) {
        client.set_total_deadline({ std::chrono::steady_clock::now() + limits.timeout,
            fmt::format("the pull's time limit of {} s ({})", limits.timeout.count(), kPullTimeoutVariable) });
    }
    auto named = TRY(client.manifest(reference.digest.empty() ? reference.tag : reference.digest));
    auto manifest = named;
    auto type = type_of(named);
    if (media_type::is_index(type)) {
        auto image_index = TRY(Index::parse(named.bytes));
        auto chosen = TRY_CONTEXT(image_index.select(platform), reference.canonical());
        manifest = TRY(client.manifest(chosen.digest.string(), chosen.size));
        type = type_of(manifest);
    }
    if (!media_type::is_manifest(type))
        return make_error("{} is a {}, not an image manifest", reference.canonical(), type.empty() ? "document of unknown type" : type);

    auto staging = TRY(Staging::create(store, "pull"));
    RegistryBlobs blobs(client, observer);
    auto staged = TRY(stage_image(store, staging, { manifest.bytes, blobs }, limits.image));

    auto lock = TRY(store.lock_exclusive());
    ImageIndex index(store);
    auto record = commit_image(store, index, staging, staged, { reference });
    if (!record.ok()) {
        // What the commit moved into the store belongs to no image: it goes again.
        (void)collect_garbage(store, index);
        return record.release_error();
    }
    return PulledImage { record.release_value(), named.digest, blobs.downloaded_any() };
}

}
