#include "containers/registry/image_puller.h"

#include "containers/image/image_importer.h"
#include "containers/image/media_types.h"
#include "containers/registry/registry_client.h"

namespace vmlet::image {

namespace {

class RegistryBlobs final : public BlobSource {
public:
    RegistryBlobs(const Store& store, RegistryClient& client, PullObserver& observer)
        : m_store(store)
        , m_client(client)
        , m_observer(observer)
    {
    }

    Result<std::string> fetch(const Descriptor& blob) override
    {
        auto path = m_store.temp_path("blob");
        m_observer.downloading(blob);
        TRY(m_client.download_blob(blob.digest, blob.size, path, [this](uint64_t done, uint64_t total) { m_observer.progress(done, total); }));
        m_observer.downloaded(blob);
        m_downloaded_any = true;
        return path;
    }

    bool downloaded_any() const { return m_downloaded_any; }

private:
    const Store& m_store;
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

Result<PulledImage> pull_image(const Store& store, const ImageIndex& index, const Reference& reference, const Platform& platform,
    PullObserver& observer)
{
    auto client = TRY(RegistryClient::connect(reference));
    auto named = TRY(client.manifest(reference.digest.empty() ? reference.tag : reference.digest));
    auto manifest = named;
    auto type = type_of(named);
    if (media_type::is_index(type)) {
        auto image_index = TRY(Index::parse(named.bytes));
        auto chosen = TRY_CONTEXT(image_index.select(platform), reference.canonical());
        manifest = TRY(client.manifest(chosen.digest.string()));
        type = type_of(manifest);
    }
    if (!media_type::is_manifest(type))
        return make_error("{} is a {}, not an image manifest", reference.canonical(), type.empty() ? "document of unknown type" : type);

    RegistryBlobs blobs(store, client, observer);
    ManifestSource source { manifest.bytes, blobs };
    auto record = TRY(import_image(store, index, source, { reference }));
    return PulledImage { std::move(record), named.digest, blobs.downloaded_any() };
}

}
