#include "containers/lab/lab_image.h"

#include "vmm/base/file.h"
#include "containers/image/digest.h"
#include "containers/image/image_limits.h"
#include "containers/image/image_loader.h"
#include "containers/image/media_types.h"
#include "containers/image/staging.h"

#include <archive.h>
#include <archive_entry.h>
#include <nlohmann/json.hpp>

#include <fcntl.h>
#include <sys/stat.h>

#include <filesystem>
#include <memory>

namespace vmlet::lab {

namespace {

using nlohmann::json;

// What the probes and the workloads call: busybox's applets as links to it.
constexpr const char* kApplets[] = { "sh", "true", "echo", "sleep", "cat", "nc", "ls", "uname", "head", "tr", "dd", "mkdir",
    "rm", "id", "hostname", "env", "ps", "mount", "seq", "yes", "wc", "grep", "free", "nproc" };

// A tar stream (POSIX pax, as the OCI image spec's layer.md takes) built in memory.
class LayerWriter {
public:
    LayerWriter()
        : m_archive(archive_write_new(), archive_write_free)
    {
        archive_write_set_format_pax_restricted(m_archive.get());
        archive_write_open(m_archive.get(), &m_bytes, nullptr, append, nullptr);
    }

    void add(const std::string& path, mode_t type_and_mode, std::string_view content = {}, const std::string& link = {})
    {
        std::unique_ptr<archive_entry, decltype(&archive_entry_free)> entry(archive_entry_new(), archive_entry_free);
        archive_entry_set_pathname(entry.get(), path.c_str());
        archive_entry_set_mode(entry.get(), type_and_mode);
        archive_entry_set_mtime(entry.get(), 0, 0); // reproducible: the same files make the same digest
        if (!link.empty())
            archive_entry_set_symlink(entry.get(), link.c_str());
        archive_entry_set_size(entry.get(), static_cast<la_int64_t>(content.size()));
        archive_write_header(m_archive.get(), entry.get());
        if (!content.empty())
            archive_write_data(m_archive.get(), content.data(), content.size());
    }

    std::string finish() &&
    {
        archive_write_close(m_archive.get());
        return std::move(m_bytes);
    }

private:
    static la_ssize_t append(archive*, void* bytes, const void* data, size_t size)
    {
        static_cast<std::string*>(bytes)->append(static_cast<const char*>(data), size);
        return static_cast<la_ssize_t>(size);
    }

    std::string m_bytes;
    std::unique_ptr<archive, decltype(&archive_write_free)> m_archive { nullptr, archive_write_free };
};

Result<std::string> lab_layer(const std::string& probe_path)
{
    auto busybox = TRY(read_small_file("/bin/busybox", 16 << 20));
    auto probe = TRY(read_small_file(probe_path, 16 << 20));
    LayerWriter layer;
    layer.add("bin", S_IFDIR | 0755);
    layer.add("bin/busybox", S_IFREG | 0755, busybox);
    for (auto applet : kApplets)
        layer.add(std::string("bin/") + applet, S_IFLNK | 0777, {}, "busybox");
    layer.add("bin/vmlet-probe", S_IFREG | 0755, probe);
    layer.add("etc", S_IFDIR | 0755);
    layer.add("etc/passwd", S_IFREG | 0644, "root:x:0:0:root:/root:/bin/sh\n");
    layer.add("etc/group", S_IFREG | 0644, "root:x:0:\n");
    layer.add("root", S_IFDIR | 0700);
    layer.add("tmp", S_IFDIR | 01777);
    return std::move(layer).finish();
}

Result<void> write_bytes(const std::string& path, std::string_view bytes)
{
    auto fd = TRY(open_file(path, O_WRONLY | O_CREAT | O_TRUNC, 0644));
    return write_all(fd.get(), std::span(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size()));
}

// A blob of an OCI image layout (image-layout.md "Blobs"): written under blobs/sha256/, described.
Result<json> write_blob(const std::string& layout, std::string_view media_type, std::string_view bytes)
{
    auto digest = image::Digest::of(bytes);
    TRY(write_bytes(fmt::format("{}/blobs/sha256/{}", layout, digest.hex()), bytes));
    return json { { "mediaType", media_type }, { "digest", digest.string() }, { "size", bytes.size() } };
}

}

Result<std::string> ensure_lab_image(const image::Store& store, const image::ImageIndex& index, const std::string& probe_path)
{
    auto probe_digest = TRY(image::digest_of_file(probe_path));
    auto name = fmt::format("vmlet-lab:{}", probe_digest.short_hex());
    if (index.find(name).ok())
        return name;

    auto layer = TRY(lab_layer(probe_path));
    auto staging = TRY(image::Staging::create(store, "lab-image"));
    auto layout = staging.path();
    std::error_code error;
    std::filesystem::create_directories(layout + "/blobs/sha256", error);
    if (error)
        return make_error("cannot create {}: {}", layout, error.message());
    auto layer_descriptor = TRY(write_blob(layout, image::media_type::kOciLayer, layer));
    // image-spec config.md: an uncompressed layer's diff_id is its digest.
    json config = { { "architecture", "amd64" }, { "os", "linux" },
        { "config", { { "Env", { "PATH=/bin" } }, { "Cmd", { "/bin/vmlet-probe", "facts" } }, { "WorkingDir", "/" } } },
        { "rootfs", { { "type", "layers" }, { "diff_ids", { layer_descriptor["digest"] } } } } };
    json manifest = { { "schemaVersion", 2 }, { "mediaType", image::media_type::kOciManifest },
        { "config", TRY(write_blob(layout, image::media_type::kOciConfig, config.dump())) }, { "layers", { layer_descriptor } } };
    auto manifest_descriptor = TRY(write_blob(layout, image::media_type::kOciManifest, manifest.dump()));
    manifest_descriptor["annotations"] = { { "org.opencontainers.image.ref.name", name } };
    json layout_index = { { "schemaVersion", 2 }, { "mediaType", image::media_type::kOciIndex }, { "manifests", { manifest_descriptor } } };
    TRY(write_bytes(layout + "/index.json", layout_index.dump()));
    TRY(write_bytes(layout + "/oci-layout", R"({"imageLayoutVersion":"1.0.0"})"));
    TRY(image::load_image_directory(store, index, layout, image::Platform::host(), image::ImageLimits {}));
    return name;
}

}
