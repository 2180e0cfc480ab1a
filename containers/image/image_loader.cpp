#include "containers/image/image_loader.h"

#include "vmm/base/file.h"
#include "containers/image/archive_spool.h"
#include "containers/image/image_importer.h"
#include "containers/image/json_fields.h"
#include "containers/image/media_types.h"

#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <map>

namespace vmlet::image {

using namespace json_fields;

namespace {

constexpr size_t kMaxDocument = 4 << 20;

// An unpacked image: a directory, and how its names are looked up (on disk for `load --dir`, in
// the record of a spooled archive for `load -i`, whose symbolic links are never on disk).
struct ImageTree {
    std::string directory;
    MemberLookup lookup;
    std::string shown; // how errors name it

    bool has(const std::string& name) const { return lookup(name).kind != ArchiveMember::Kind::Missing; }
    // The path of the regular file `name` leads to, by resolve_archive_member's rules.
    Result<std::string> path_of(std::string_view name) const
    {
        auto resolved = TRY(resolve_archive_member(name, lookup));
        return directory + "/" + resolved;
    }
};

// Blobs read from an image tree: by default at blobs/sha256/<hex>, or where manifest.json says
// (`docker save`'s <id>/layer.tar, containers/image's <digest>.tar). Each is copied into the
// staging directory and checked there, so a file changed under vmlet's feet cannot slip past the
// check.
class DirectoryBlobs final : public BlobSource {
public:
    explicit DirectoryBlobs(const ImageTree& tree)
        : m_tree(tree)
    {
    }

    // `path` is what ImageTree::path_of gave for the file with `digest`.
    void place(const Digest& digest, std::string path) { m_places[digest] = std::move(path); }

    Result<std::string> path_of(const Digest& digest) const
    {
        if (auto place = m_places.find(digest); place != m_places.end())
            return place->second;
        return TRY_CONTEXT(m_tree.path_of("blobs/sha256/" + std::string(digest.hex())), fmt::format("the image has no blob {}", digest.string()));
    }

    Result<void> fetch(const Descriptor& blob, const std::string& path) override
    {
        auto source = TRY(path_of(blob.digest));
        std::error_code error;
        std::filesystem::copy_file(source, path, error);
        if (error) {
            std::filesystem::remove(path, error);
            return make_error("the image has no blob {} ({}: {})", blob.digest.string(), source, error.message());
        }
        return verify_file(path, blob.digest);
    }

    // A manifest or index, read whole and checked against its digest.
    Result<std::string> read_document(const Digest& digest) const
    {
        auto path = TRY(path_of(digest));
        auto bytes = TRY(read_small_file(path, kMaxDocument));
        if (Digest::of(bytes) != digest)
            return make_error("blob {} has the wrong content", digest.string());
        return bytes;
    }

private:
    const ImageTree& m_tree;
    std::map<Digest, std::string> m_places;
};

Result<std::vector<Reference>> parse_names(const std::vector<std::string>& names)
{
    std::vector<Reference> references;
    for (const auto& name : names)
        references.push_back(TRY_CONTEXT(Reference::parse(name), "a name in the archive"));
    return references;
}

// The OCI descriptor JSON of a file in a `docker save` tree, which has none of its own. Any name
// manifest.json gives is taken, if it leads to a regular file inside the tree.
Result<Json> describe_file(DirectoryBlobs& blobs, const ImageTree& tree, const std::string& name, std::string_view media_type)
{
    auto path = TRY_CONTEXT(tree.path_of(name), fmt::format("manifest.json names '{}'", printable_name(name)));
    struct stat status { };
    if (::stat(path.c_str(), &status) < 0)
        return errno_error(fmt::format("manifest.json names '{}'", printable_name(name)));
    auto digest = TRY(digest_of_file(path));
    blobs.place(digest, path);
    return Json { { "mediaType", media_type }, { "digest", digest.string() }, { "size", static_cast<uint64_t>(status.st_size) } };
}

// `docker save`: manifest.json is [{"Config": "<id>.json", "RepoTags": [...], "Layers": ["<id>/layer.tar", ...]}].
// Each entry becomes an OCI manifest (manifest.md) over the same files, which the importer reads.
Result<std::vector<ImageRecord>> load_docker_save(const Store& store, const ImageIndex& index, const Staging& staging, const ImageTree& tree,
    const ImageLimits& limits)
{
    auto path = TRY(tree.path_of("manifest.json"));
    auto text = TRY(read_small_file(path, kMaxDocument));
    auto entries = Json::parse(text, nullptr, false);
    if (!entries.is_array())
        return make_error("manifest.json is not a JSON array");
    std::vector<ImageRecord> loaded;
    for (const auto& entry : entries) {
        if (!entry.is_object())
            return make_error("manifest.json has an entry that is not an object");
        DirectoryBlobs blobs(tree);
        auto config_name = TRY_CONTEXT(required_string(entry, "Config"), "manifest.json");
        Json manifest = { { "schemaVersion", 2 }, { "mediaType", media_type::kOciManifest } };
        manifest["config"] = TRY(describe_file(blobs, tree, config_name, media_type::kOciConfig));
        manifest["layers"] = Json::array();
        for (const auto& layer : TRY_CONTEXT(strings_or_empty(entry, "Layers"), "manifest.json"))
            manifest["layers"].push_back(TRY(describe_file(blobs, tree, layer, media_type::kOciLayer)));
        auto names = TRY_CONTEXT(strings_or_empty(entry, "RepoTags"), "manifest.json");
        auto tags = TRY(parse_names(names));
        ManifestSource source { manifest.dump(), blobs };
        loaded.push_back(TRY(import_image(store, index, staging, source, tags, limits)));
    }
    return loaded;
}

// OCI annotations.md: io.containerd.image.name holds a full name; ref.name may be a full name
// (as `docker save` writes it) or only a tag (as `skopeo copy oci:DIR:TAG` writes it), which
// names no repository.
std::vector<std::string> names_of(const Descriptor& descriptor)
{
    auto& notes = descriptor.annotations;
    if (auto name = notes.find("io.containerd.image.name"); name != notes.end())
        return { name->second };
    if (auto name = notes.find("org.opencontainers.image.ref.name"); name != notes.end()) {
        if (name->second.find_first_of("/:") != std::string::npos)
            return { name->second };
    }
    return {};
}

Result<std::vector<ImageRecord>> load_oci_layout(const Store& store, const ImageIndex& index, const Staging& staging, const ImageTree& tree,
    const Platform& platform, const ImageLimits& limits)
{
    auto path = TRY(tree.path_of("index.json"));
    auto text = TRY(read_small_file(path, kMaxDocument));
    auto top = TRY_CONTEXT(Index::parse(text), "index.json");
    DirectoryBlobs blobs(tree);
    std::vector<ImageRecord> loaded;
    for (const auto& entry : top.manifests) {
        auto bytes = TRY(blobs.read_document(entry.digest));
        auto type = entry.media_type.empty() ? declared_media_type(bytes) : entry.media_type;
        if (media_type::is_index(type)) {
            auto nested = TRY(Index::parse(bytes));
            auto chosen = TRY(nested.select(platform));
            bytes = TRY(blobs.read_document(chosen.digest));
        }
        auto tags = TRY(parse_names(names_of(entry)));
        ManifestSource source { bytes, blobs };
        loaded.push_back(TRY(import_image(store, index, staging, source, tags, limits)));
    }
    return loaded;
}

// `docker save` writes manifest.json, and since Docker 25 an OCI layout beside it: manifest.json
// comes first, for its RepoTags.
Result<std::vector<ImageRecord>> load_image_tree(const Store& store, const ImageIndex& index, const Staging& staging, const ImageTree& tree,
    const Platform& platform, const ImageLimits& limits)
{
    if (tree.has("manifest.json"))
        return load_docker_save(store, index, staging, tree, limits);
    if (tree.has("index.json"))
        return load_oci_layout(store, index, staging, tree, platform, limits);
    return make_error("{} holds no image: neither manifest.json (docker save) nor index.json (OCI layout)", tree.shown);
}

}

Result<std::vector<ImageRecord>> load_image_directory(const Store& store, const ImageIndex& index, const std::string& directory,
    const Platform& platform, const ImageLimits& limits)
{
    auto staging = TRY(Staging::create(store, "load"));
    return load_image_tree(store, index, staging, ImageTree { directory, directory_member_lookup(directory), directory }, platform, limits);
}

Result<std::vector<ImageRecord>> load_image_archive(const Store& store, const ImageIndex& index, const std::string& archive_path,
    const Platform& platform, const ImageLimits& limits)
{
    auto staging = TRY(Staging::create(store, "load"));
    auto spool = staging.path() + "/archive";
    std::error_code error;
    std::filesystem::create_directory(spool, error);
    if (error)
        return make_error("cannot create {}: {}", spool, error.message());
    auto loaded = [&]() -> Result<std::vector<ImageRecord>> {
        auto spooled = TRY(spool_image_archive(archive_path, spool));
        // The spool's name means nothing to the user: the archive is named below.
        return load_image_tree(store, index, staging, ImageTree { spool, spooled.lookup_function(), "it" }, platform, limits);
    }();
    if (!loaded.ok())
        return loaded.release_error().with_context(archive_path);
    return loaded;
}

}
