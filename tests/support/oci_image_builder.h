#pragma once

#include "containers/image/digest.h"

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

// Real container images made from busybox-static, for the tests of pull, load and run: an OCI
// image layout directory (OCI image spec image-layout.md), a multi-platform one, and a
// `docker save` archive. The same spec always gives the same bytes, so the same digests.
// Failures throw std::runtime_error: these are test fixtures.
namespace vmlet::test {

// A file of the second layer. `path` is absolute in the image ("/etc/motd").
struct ImageFile {
    std::string path;
    std::string content;
    uint32_t mode { 0644 };
};

struct ImageSpec {
    std::vector<std::string> entrypoint;
    std::vector<std::string> cmd { "sh" };
    std::vector<std::string> env { "PATH=/usr/sbin:/usr/bin:/sbin:/bin" };
    std::string working_dir;
    std::string user;
    std::vector<std::string> exposed_ports; // "80/tcp"
    std::string architecture { "amd64" };   // GOARCH names, as OCI config.md uses: amd64, arm64
    std::vector<ImageFile> extra_files;     // a second layer, when not empty
    std::string extra_layer_tar;            // or a second layer as ready-made tar bytes (make_tar)
    bool gzip { true };                     // layer blobs tar+gzip, or plain tar
};

// One entry of a hand-made tar, for layers with hostile or unusual entries.
struct TarEntry {
    enum class Kind { File, Directory, Symlink, Hardlink, CharDevice, BlockDevice, Fifo, SparseFile };
    std::string path; // exactly as written into the tar: may be "../x" or "/etc/x"
    Kind kind { Kind::File };
    std::string content; // a file's bytes (a sparse file's first ones), or a link's target
    uint64_t sparse_size { 0 }; // a sparse file's length: the rest is a hole
};

// A plain (uncompressed) tar of `entries`, in order.
std::string make_tar(const std::vector<TarEntry>& entries);

// `bytes` as one compressed stream, as a layer blob or an archive for `vmlet load` may be.
enum class Compression { Gzip, Bzip2, Xz, Zstd };
std::string compress(std::string_view bytes, Compression compression);

// The digests of one written image, for tests to compare with what a registry or the store has.
struct WrittenImage {
    image::Digest manifest;
    image::Digest config;
    std::vector<image::Digest> layers;   // the blobs, compressed as written
    std::vector<image::Digest> diff_ids; // the uncompressed tars (config rootfs.diff_ids)
};

struct WrittenIndex {
    image::Digest index;
    WrittenImage amd64;
    WrittenImage arm64;
};

// One single-platform image. Layer 1 is /bin/busybox with its applets as relative symlinks in
// /bin (and /usr/bin/env an absolute one), /etc/passwd and /etc/group, /tmp (1777), /root,
// /home/app; layer 2 holds `spec.extra_files`. index.json lists the manifest with the annotation
// org.opencontainers.image.ref.name=`tag` (annotations.md), which is how `oci:DIR:TAG` finds it.
WrittenImage write_oci_layout(const std::string& directory, const ImageSpec& spec, const std::string& tag = "latest");

// index.json names, under `tag`, an image index blob (image-index.md) listing an amd64 and an
// arm64 manifest with their platform fields, the shape `skopeo copy --all` pushes.
WrittenIndex write_multi_arch_layout(const std::string& directory, const ImageSpec& amd64, const ImageSpec& arm64,
    const std::string& tag = "latest");

// The archive `docker save REPO:TAG` writes (its pre-OCI format, which `docker load` and vmlet
// read): manifest.json [{Config, RepoTags, Layers}], the config as <hex>.json and
// each layer as an uncompressed <diff_id hex>/layer.tar, whatever `spec.gzip` says. Returns the
// config's digest, the image id `docker images` shows.
image::Digest write_docker_save_archive(const std::string& path, const ImageSpec& spec, const std::string& repo_tag);

}
