#include "tests/support/oci_image_builder.h"

#include "containers/image/media_types.h"

#include <archive.h>
#include <archive_entry.h>
#include <nlohmann/json.hpp>

#include <sys/sysmacros.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <optional>
#include <set>
#include <stdexcept>

namespace vmlet::test {

namespace {

using nlohmann::json;
namespace media_type = image::media_type;

// Every entry and the config carry one fixed time, so a spec always gives the same digests.
constexpr time_t kTimestamp = 1704067200;
constexpr std::string_view kCreated = "2024-01-01T00:00:00Z";
constexpr uint32_t kAppId = 1000;

// The applets linked in /bin: what the tests of run and exec call, and a shell's basics.
constexpr std::string_view kApplets[] = {
    "sh", "ash", "echo", "cat", "env", "pwd", "id", "ls", "sleep", "httpd", "uname", "true", "false",
    "hostname", "mkdir", "rm", "touch", "test", "[", "printf", "grep", "head", "wc", "whoami", "kill",
    "ps", "mount", "stat", "readlink", "nc", "wget", "date", "cp", "mv", "ln", "chmod", "sync",
};

[[noreturn]] void fail(const std::string& what)
{
    throw std::runtime_error("image builder: " + what);
}

std::string read_file(const std::string& path)
{
    std::ifstream file(path, std::ios::binary);
    if (!file)
        fail("cannot read " + path);
    return { std::istreambuf_iterator<char>(file), std::istreambuf_iterator<char>() };
}

void write_file(const std::string& path, std::string_view bytes)
{
    std::ofstream file(path, std::ios::binary | std::ios::trunc);
    file.write(bytes.data(), std::streamsize(bytes.size()));
    if (!file)
        fail("cannot write " + path);
}

// A libarchive writer whose output collects in memory.
class ArchiveWriter {
public:
    // A tar (pax), or one raw stream through a compressor.
    explicit ArchiveWriter(std::optional<Compression> compression)
        : m_archive(archive_write_new())
    {
        if (!compression) {
            archive_write_set_format_pax_restricted(m_archive);
        } else {
            archive_write_set_format_raw(m_archive);
            switch (*compression) {
            case Compression::Gzip:
                // Without the gzip header's time (RFC 1952 MTIME = 0), so the bytes stay the same.
                archive_write_add_filter_gzip(m_archive);
                archive_write_set_filter_option(m_archive, "gzip", "timestamp", nullptr);
                break;
            case Compression::Bzip2:
                archive_write_add_filter_bzip2(m_archive);
                break;
            case Compression::Xz:
                archive_write_add_filter_xz(m_archive);
                break;
            case Compression::Zstd:
                archive_write_add_filter_zstd(m_archive);
                break;
            }
            archive_write_set_bytes_in_last_block(m_archive, 1);
        }
        check(archive_write_open(m_archive, this, nullptr, append, nullptr), "opening an archive");
    }
    ~ArchiveWriter() { archive_write_free(m_archive); }
    ArchiveWriter(const ArchiveWriter&) = delete;
    ArchiveWriter& operator=(const ArchiveWriter&) = delete;

    void directory(const std::string& path, uint32_t mode, uint32_t owner = 0)
    {
        add(path, AE_IFDIR, mode, owner, {}, {});
    }
    void file(const std::string& path, std::string_view content, uint32_t mode)
    {
        add(path, AE_IFREG, mode, 0, content, {});
    }
    void symlink(const std::string& path, const std::string& target)
    {
        add(path, AE_IFLNK, 0777, 0, {}, target);
    }
    void hardlink(const std::string& path, const std::string& target)
    {
        add(path, AE_IFREG, 0644, 0, {}, target, true);
    }
    void device(const std::string& path, mode_t type)
    {
        add(path, type, 0600, 0, {}, {});
    }

    // A sparse file of `size` bytes whose only data is `content` at its start (a GNU sparse
    // entry in pax headers): the tar holds `content`, the file it describes is `size` long.
    void sparse_file(const std::string& path, std::string_view content, uint64_t size)
    {
        archive_entry* entry = archive_entry_new();
        archive_entry_set_pathname(entry, path.c_str());
        archive_entry_set_filetype(entry, AE_IFREG);
        archive_entry_set_perm(entry, 0644);
        archive_entry_set_mtime(entry, kTimestamp, 0);
        archive_entry_set_size(entry, la_int64_t(size));
        archive_entry_sparse_add_entry(entry, 0, la_int64_t(content.size()));
        int status = archive_write_header(m_archive, entry);
        archive_entry_free(entry);
        check(status, "adding " + path);
        if (archive_write_data(m_archive, content.data(), content.size()) != la_ssize_t(content.size()))
            fail_with_reason("writing " + path);
    }

    std::string finish() &&
    {
        check(archive_write_close(m_archive), "closing an archive");
        return std::move(m_bytes);
    }

private:
    static la_ssize_t append(archive*, void* self, const void* buffer, size_t length)
    {
        static_cast<ArchiveWriter*>(self)->m_bytes.append(static_cast<const char*>(buffer), length);
        return la_ssize_t(length);
    }

    void check(int status, const std::string& what)
    {
        if (status != ARCHIVE_OK)
            fail_with_reason(what);
    }

    [[noreturn]] void fail_with_reason(const std::string& what)
    {
        const char* reason = archive_error_string(m_archive);
        fail(what + ": " + (reason ? reason : "unknown libarchive error"));
    }

    void add(const std::string& path, mode_t type, uint32_t mode, uint32_t owner, std::string_view content, const std::string& target,
        bool hard = false)
    {
        archive_entry* entry = archive_entry_new();
        archive_entry_set_pathname(entry, path.c_str());
        archive_entry_set_filetype(entry, type);
        archive_entry_set_perm(entry, mode);
        archive_entry_set_uid(entry, owner);
        archive_entry_set_gid(entry, owner);
        archive_entry_set_mtime(entry, kTimestamp, 0);
        archive_entry_set_size(entry, la_int64_t(content.size()));
        if (type == AE_IFLNK)
            archive_entry_set_symlink(entry, target.c_str());
        if (hard)
            archive_entry_set_hardlink(entry, target.c_str());
        if (type == AE_IFCHR || type == AE_IFBLK)
            archive_entry_set_rdev(entry, makedev(1, 3));
        int status = archive_write_header(m_archive, entry);
        archive_entry_free(entry);
        check(status, "adding " + path);
        if (!content.empty() && archive_write_data(m_archive, content.data(), content.size()) != la_ssize_t(content.size()))
            fail_with_reason("writing " + path);
    }

    archive* m_archive;
    std::string m_bytes;
};

// The directories of layer 1; layer 2 adds entries only for the parents it has beyond these, so it
// never changes the mode of /tmp or /home/app.
const std::set<std::string>& base_directories()
{
    static const std::set<std::string> directories { "bin", "etc", "home", "home/app", "root", "tmp", "usr", "usr/bin" };
    return directories;
}

std::string make_base_layer()
{
    ArchiveWriter tar(std::nullopt);
    tar.directory("bin", 0755);
    tar.file("bin/busybox", read_file("/bin/busybox"), 0755);
    for (auto applet : kApplets)
        tar.symlink("bin/" + std::string(applet), "busybox");
    tar.directory("etc", 0755);
    tar.file("etc/passwd", "root:x:0:0:root:/root:/bin/sh\napp:x:1000:1000:app:/home/app:/bin/sh\n", 0644);
    tar.file("etc/group", "root:x:0:\napp:x:1000:\n", 0644);
    tar.directory("home", 0755);
    tar.directory("home/app", 0755, kAppId);
    tar.directory("root", 0700);
    tar.directory("tmp", 01777);
    // An absolute link, as real images have them: `#!/usr/bin/env sh` scripts resolve through it.
    tar.directory("usr", 0755);
    tar.directory("usr/bin", 0755);
    tar.symlink("usr/bin/env", "/bin/busybox");
    return std::move(tar).finish();
}

// Built once per test process: busybox is 2 MB and every image shares this layer.
const std::string& base_layer()
{
    static const std::string tar = make_base_layer();
    return tar;
}

std::string make_extra_layer(const std::vector<ImageFile>& files)
{
    ArchiveWriter tar(std::nullopt);
    std::set<std::string> written = base_directories();
    for (const auto& file : files) {
        std::filesystem::path path = std::filesystem::path(file.path).relative_path();
        std::filesystem::path parent;
        for (const auto& component : path.parent_path()) {
            parent /= component;
            if (written.insert(parent.string()).second)
                tar.directory(parent.string(), 0755);
        }
        tar.file(path.string(), file.content, file.mode);
    }
    return std::move(tar).finish();
}

// The uncompressed layer tars of an image, bottom first.
std::vector<std::string> layer_tars(const ImageSpec& spec)
{
    std::vector<std::string> tars { base_layer() };
    if (!spec.extra_files.empty())
        tars.push_back(make_extra_layer(spec.extra_files));
    if (!spec.extra_layer_tar.empty())
        tars.push_back(spec.extra_layer_tar);
    return tars;
}

// OCI image spec config.md: the image's execution parameters and its rootfs.
std::string config_bytes(const ImageSpec& spec, const std::vector<image::Digest>& diff_ids)
{
    json config = json::object();
    if (!spec.entrypoint.empty())
        config["Entrypoint"] = spec.entrypoint;
    if (!spec.cmd.empty())
        config["Cmd"] = spec.cmd;
    if (!spec.env.empty())
        config["Env"] = spec.env;
    if (!spec.working_dir.empty())
        config["WorkingDir"] = spec.working_dir;
    if (!spec.user.empty())
        config["User"] = spec.user;
    for (const auto& port : spec.exposed_ports)
        config["ExposedPorts"][port] = json::object();

    json image = {
        { "created", kCreated },
        { "architecture", spec.architecture },
        { "os", "linux" },
        { "config", config },
        { "rootfs", { { "type", "layers" }, { "diff_ids", json::array() } } },
        { "history", json::array() },
    };
    if (spec.architecture == "arm64")
        image["variant"] = "v8";
    for (const auto& diff_id : diff_ids) {
        image["rootfs"]["diff_ids"].push_back(diff_id.string());
        image["history"].push_back({ { "created", kCreated }, { "created_by", "vmlet test image builder" } });
    }
    return image.dump();
}

// descriptor.md: what a manifest or index says about the content it points at.
json descriptor(std::string_view type, std::string_view bytes)
{
    return { { "mediaType", type }, { "digest", image::Digest::of(bytes).string() }, { "size", bytes.size() } };
}

json platform(const std::string& architecture)
{
    json result = { { "architecture", architecture }, { "os", "linux" } };
    if (architecture == "arm64")
        result["variant"] = "v8";
    return result;
}

// A layout directory being written: image-layout.md's `oci-layout` file and `blobs/sha256/`.
class Layout {
public:
    explicit Layout(std::string directory)
        : m_directory(std::move(directory))
    {
        std::filesystem::create_directories(m_directory + "/blobs/sha256");
        write_file(m_directory + "/oci-layout", R"({"imageLayoutVersion":"1.0.0"})");
    }

    // Stores `bytes` as a blob and returns its descriptor.
    json blob(std::string_view type, std::string_view bytes)
    {
        auto digest = image::Digest::of(bytes);
        write_file(m_directory + "/blobs/sha256/" + std::string(digest.hex()), bytes);
        return descriptor(type, bytes);
    }

    // The layers, config and manifest of one image.
    struct Image {
        json manifest; // its descriptor
        WrittenImage written;
    };
    Image add_image(const ImageSpec& spec)
    {
        json manifest = { { "schemaVersion", 2 }, { "mediaType", media_type::kOciManifest }, { "layers", json::array() } };
        std::vector<image::Digest> layers;
        std::vector<image::Digest> diff_ids;
        for (const auto& tar : layer_tars(spec)) {
            diff_ids.push_back(image::Digest::of(tar));
            std::string bytes = spec.gzip ? compress(tar, Compression::Gzip) : tar;
            manifest["layers"].push_back(blob(spec.gzip ? media_type::kOciLayerGzip : media_type::kOciLayer, bytes));
            layers.push_back(image::Digest::of(bytes));
        }
        std::string config = config_bytes(spec, diff_ids);
        manifest["config"] = blob(media_type::kOciConfig, config);
        std::string manifest_bytes = manifest.dump();
        return {
            blob(media_type::kOciManifest, manifest_bytes),
            { image::Digest::of(manifest_bytes), image::Digest::of(config), std::move(layers), std::move(diff_ids) },
        };
    }

    // index.json (image-layout.md "index.json file"), naming `target` by `tag`.
    void index(json target, const std::string& tag)
    {
        target["annotations"] = { { "org.opencontainers.image.ref.name", tag } };
        json index = { { "schemaVersion", 2 }, { "mediaType", media_type::kOciIndex }, { "manifests", json::array({ target }) } };
        write_file(m_directory + "/index.json", index.dump());
    }

private:
    std::string m_directory;
};


}

std::string compress(std::string_view bytes, Compression compression)
{
    ArchiveWriter writer(compression);
    writer.file("stream", bytes, 0644);
    return std::move(writer).finish();
}

std::string make_tar(const std::vector<TarEntry>& entries)
{
    ArchiveWriter archive(std::nullopt);
    for (const auto& entry : entries) {
        switch (entry.kind) {
        case TarEntry::Kind::File:
            archive.file(entry.path, entry.content, 0644);
            break;
        case TarEntry::Kind::Directory:
            archive.directory(entry.path, 0755);
            break;
        case TarEntry::Kind::Symlink:
            archive.symlink(entry.path, entry.content);
            break;
        case TarEntry::Kind::Hardlink:
            archive.hardlink(entry.path, entry.content);
            break;
        case TarEntry::Kind::CharDevice:
            archive.device(entry.path, AE_IFCHR);
            break;
        case TarEntry::Kind::BlockDevice:
            archive.device(entry.path, AE_IFBLK);
            break;
        case TarEntry::Kind::Fifo:
            archive.device(entry.path, AE_IFIFO);
            break;
        case TarEntry::Kind::SparseFile:
            archive.sparse_file(entry.path, entry.content, entry.sparse_size);
            break;
        }
    }
    return std::move(archive).finish();
}

WrittenImage write_oci_layout(const std::string& directory, const ImageSpec& spec, const std::string& tag)
{
    Layout layout(directory);
    auto image = layout.add_image(spec);
    layout.index(image.manifest, tag);
    return image.written;
}

WrittenIndex write_multi_arch_layout(const std::string& directory, const ImageSpec& amd64, const ImageSpec& arm64, const std::string& tag)
{
    Layout layout(directory);
    auto amd64_image = layout.add_image(amd64);
    auto arm64_image = layout.add_image(arm64);
    amd64_image.manifest["platform"] = platform(amd64.architecture);
    arm64_image.manifest["platform"] = platform(arm64.architecture);
    json index = { { "schemaVersion", 2 }, { "mediaType", media_type::kOciIndex },
        { "manifests", json::array({ amd64_image.manifest, arm64_image.manifest }) } };
    std::string index_bytes = index.dump();
    layout.index(layout.blob(media_type::kOciIndex, index_bytes), tag);
    return { image::Digest::of(index_bytes), amd64_image.written, arm64_image.written };
}

image::Digest write_docker_save_archive(const std::string& path, const ImageSpec& spec, const std::string& repo_tag)
{
    ArchiveWriter archive(std::nullopt);
    std::vector<image::Digest> diff_ids;
    json layers = json::array();
    for (const auto& tar : layer_tars(spec)) {
        diff_ids.push_back(image::Digest::of(tar));
        std::string directory(diff_ids.back().hex());
        archive.directory(directory, 0755);
        archive.file(directory + "/layer.tar", tar, 0644);
        layers.push_back(directory + "/layer.tar");
    }
    std::string config = config_bytes(spec, diff_ids);
    auto config_digest = image::Digest::of(config);
    std::string config_name = std::string(config_digest.hex()) + ".json";
    archive.file(config_name, config, 0644);
    json manifest = json::array({ { { "Config", config_name }, { "RepoTags", json::array({ repo_tag }) }, { "Layers", layers } } });
    archive.file("manifest.json", manifest.dump(), 0644);
    write_file(path, std::move(archive).finish());
    return config_digest;
}

}
