// `vmlet load -i` of archives made by the real tools, and a command run from each image: podman
// save (docker-archive, whose layers are <digest>.tar with <id>/layer.tar a symbolic link to
// them, and oci-archive), skopeo copy to docker-archive, and Docker's classic `docker save`
// layout written here from its documentation. The cases are shared by both isolations
// (archive_formats_process_test.cpp, archive_formats_vm_test.cpp), as the run tests are.
// Everything podman and skopeo write is under the test's temporary directory, but for their
// machine-wide blob-info cache in /var/lib/containers/cache, which neither has a flag to move
// (the registry tests' skopeo shares it), and podman's lock file in /etc/cni/net.d.
#include "tests/integration/archive_formats_test.h"

#include "tests/support/command.h"

#include <nlohmann/json.hpp>
#include <sys/mount.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <set>
#include <sstream>

namespace vmlet::test {

namespace {

namespace fs = std::filesystem;
using nlohmann::json;

std::string read_bytes(const std::string& path)
{
    std::ifstream file(path, std::ios::binary);
    return { std::istreambuf_iterator<char>(file), std::istreambuf_iterator<char>() };
}

void write_bytes(const std::string& path, std::string_view bytes)
{
    std::ofstream file(path, std::ios::binary | std::ios::trunc);
    file.write(bytes.data(), std::streamsize(bytes.size()));
    if (!file)
        throw std::runtime_error("cannot write " + path);
}

std::string blob_path(const std::string& layout, const image::Digest& digest)
{
    return layout + "/blobs/sha256/" + std::string(digest.hex());
}

// The mount points under `directory`, deepest first (/proc/self/mountinfo's fifth field).
std::vector<std::string> mounts_under(const std::string& directory)
{
    std::vector<std::string> found;
    std::ifstream mountinfo("/proc/self/mountinfo");
    std::string line;
    while (std::getline(mountinfo, line)) {
        std::istringstream fields(line);
        std::string id, parent, device, root, point;
        fields >> id >> parent >> device >> root >> point;
        if (point == directory || point.starts_with(directory + "/"))
            found.push_back(point);
    }
    std::sort(found.rbegin(), found.rend());
    return found;
}

// Docker's `docker save` format before Docker 25 (moby image/spec/v1.2.md, "Combined Image JSON
// + Filesystem Changeset Format", and the docker save reference): per layer a directory named by
// a v1 layer id of 64 hex digits, holding VERSION ("1.0"), json (the v1 layer JSON: id, parent)
// and layer.tar; the image config as <config hex>.json; manifest.json listing each image's
// Config, RepoTags and Layers; repositories mapping repository and tag to the top layer id.
// Docker derives a layer's id from its parent's id and its content, and the top layer's from the
// image config as well, so images with the same layers under different configs have different
// top ids: Docker then writes the second <id>/layer.tar as a symbolic link to the first.
class ClassicDockerArchive {
public:
    void add_image(const std::string& layout, const WrittenImage& image, const std::string& repository, const std::string& tag)
    {
        auto config = read_bytes(blob_path(layout, image.config));
        std::string parent;
        json layers = json::array();
        for (size_t i = 0; i < image.diff_ids.size(); i++) {
            bool top = i + 1 == image.diff_ids.size();
            auto id = std::string(image::Digest::of(parent + " " + image.diff_ids[i].string() + (top ? " " + image.config.string() : "")).hex());
            layers.push_back(id + "/layer.tar");
            if (m_written.contains(id)) {
                parent = id;
                continue;
            }
            json v1 = { { "id", id }, { "created", "2024-01-01T00:00:00Z" }, { "os", "linux" } };
            if (!parent.empty())
                v1["parent"] = parent;
            m_entries.push_back({ id, TarEntry::Kind::Directory, "" });
            m_entries.push_back({ id + "/VERSION", TarEntry::Kind::File, "1.0" });
            m_entries.push_back({ id + "/json", TarEntry::Kind::File, v1.dump() });
            if (auto same = m_layer_dirs.find(image.diff_ids[i].string()); same != m_layer_dirs.end()) {
                m_entries.push_back({ id + "/layer.tar", TarEntry::Kind::Symlink, "../" + same->second + "/layer.tar" });
            } else {
                m_entries.push_back({ id + "/layer.tar", TarEntry::Kind::File, read_bytes(blob_path(layout, image.layers[i])) });
                m_layer_dirs[image.diff_ids[i].string()] = id;
            }
            m_written.insert(id);
            parent = id;
        }
        auto config_name = std::string(image.config.hex()) + ".json";
        if (m_written.insert(config_name).second)
            m_entries.push_back({ config_name, TarEntry::Kind::File, config });
        m_manifest.push_back({ { "Config", config_name }, { "RepoTags", { repository + ":" + tag } }, { "Layers", layers } });
        m_repositories[repository][tag] = parent;
    }

    void write(const std::string& path)
    {
        auto entries = m_entries;
        entries.push_back({ "manifest.json", TarEntry::Kind::File, m_manifest.dump() });
        entries.push_back({ "repositories", TarEntry::Kind::File, m_repositories.dump() });
        write_bytes(path, make_tar(entries));
    }

private:
    std::vector<TarEntry> m_entries;
    std::set<std::string> m_written;
    std::map<std::string, std::string> m_layer_dirs; // diff_id -> the id whose layer.tar holds it
    json m_manifest = json::array();
    json m_repositories = json::object();
};

}

std::string marker_content(const std::string& format)
{
    return "made by " + format + "\n" + std::string("\0\x01\x7f\x80\xff\r\n\x04", 8) + "end\n";
}

void ArchiveFormats::SetUp()
{
    if (::geteuid() != 0)
        GTEST_SKIP() << "podman's storage and containers need root (namespaces, overlayfs, cgroups)";
    if (GetParam() == "vm" && !kvm_available())
        GTEST_SKIP() << "no /dev/kvm: vm isolation runs under scripts/test.sh's nested KVM";
    // containers.conf (ENVIRONMENT.md): runc, since crun refuses this host's hybrid cgroups; the
    // ulimits root may set here without CAP_SYS_RESOURCE; cgroupfs and an events file, since there
    // is no systemd or journald. podman runs no container here, but reads all of it at start.
    write_bytes(scratch("containers.conf"),
        "[engine]\n"
        "runtime = \"runc\"\n"
        "cgroup_manager = \"cgroupfs\"\n"
        "events_logger = \"file\"\n"
        "image_copy_tmp_dir = \"" + scratch("tmp") + "\"\n"
        "[containers]\n"
        "default_ulimits = [\"nofile=20000:20000\", \"nproc=32768:32768\"]\n");
    fs::create_directories(scratch("tmp"));
}

void ArchiveFormats::TearDown()
{
    if (IsSkipped())
        return;
    auto left = vmlet({ "ps", "-a", "-q" });
    EXPECT_EQ(left.out, "") << "containers left behind";
    for (size_t start = 0; start < left.out.size();) {
        auto end = left.out.find('\n', start);
        vmlet({ "rm", "-f", left.out.substr(start, end - start) });
        start = end + 1;
    }
    // podman's vfs driver mounts nothing, but whatever it or vmlet left mounted under the scratch
    // directory is unmounted (so that it can be removed) and counted as a failure.
    if (fs::exists(scratch("podman"))) {
        auto command = podman_command();
        command.insert(command.end(), { "rmi", "--all", "--force" });
        run_command(command);
    }
    for (const auto& point : mounts_under(fs::canonical(m_scratch.path()).string())) {
        ADD_FAILURE() << "left mounted: " << point;
        ::umount2(point.c_str(), MNT_DETACH);
    }
}

ProcessResult ArchiveFormats::vmlet(std::vector<std::string> arguments)
{
    arguments.insert(arguments.begin(), { "--root", scratch("root") });
    return run_vmlet(arguments, { .timeout = std::chrono::seconds(GetParam() == "vm" ? 300 : 60) });
}

std::string ArchiveFormats::load(const std::string& archive)
{
    auto result = vmlet({ "load", "-i", archive });
    EXPECT_EQ(result.exit_code, 0) << result.err;
    return result.out;
}

std::string ArchiveFormats::cat(const std::string& image, const std::string& path)
{
    auto result = vmlet({ "run", "--rm", "--isolation=" + GetParam(), image, "cat", path });
    EXPECT_EQ(result.exit_code, 0) << result.err;
    return result.out;
}

WrittenImage ArchiveFormats::write_layout(const std::string& name, const std::string& path, const std::string& content,
    const std::string& tag)
{
    ImageSpec spec;
    spec.gzip = false;
    spec.extra_files = { { path, content, 0644 } };
    return write_oci_layout(scratch(name), spec, tag);
}

std::vector<std::string> ArchiveFormats::podman_command() const
{
    // Storage, run state and libpod's own temporary files all under the scratch directory;
    // TMPDIR for the layer streams podman import and save spool.
    return { "env", "CONTAINERS_CONF=" + scratch("containers.conf"), "TMPDIR=" + scratch("tmp"), "podman", "--root", scratch("podman/root"),
        "--runroot", scratch("podman/run"), "--tmpdir", scratch("podman/tmp"), "--storage-driver", "vfs" };
}

std::string ArchiveFormats::podman(std::vector<std::string> arguments)
{
    auto command = podman_command();
    command.insert(command.end(), arguments.begin(), arguments.end());
    auto result = run_command(command, std::chrono::seconds(GetParam() == "vm" ? 600 : 120));
    EXPECT_EQ(result.exit_code, 0) << "podman " << arguments.at(0) << ": " << result.err;
    return result.out;
}

std::string ArchiveFormats::flatten(const std::string& layout, const WrittenImage& image)
{
    auto rootfs = scratch("rootfs");
    fs::create_directories(rootfs);
    for (const auto& layer : image.layers) {
        auto unpacked = run_command({ "tar", "-C", rootfs, "-xpf", blob_path(layout, layer) });
        EXPECT_EQ(unpacked.exit_code, 0) << unpacked.err;
    }
    auto packed = run_command({ "tar", "-C", rootfs, "--numeric-owner", "-cf", scratch("rootfs.tar"), "." });
    EXPECT_EQ(packed.exit_code, 0) << packed.err;
    return scratch("rootfs.tar");
}

// containers/image's docker-archive: each layer a top-level <digest>.tar, <id>/layer.tar a
// symbolic link to it, and manifest.json naming the <digest>.tar.
TEST_P(ArchiveFormats, PodmanDockerArchive)
{
    auto content = marker_content("podman save --format docker-archive");
    auto image = write_layout("layout", "/etc/archive-format", content);
    podman({ "import", flatten(scratch("layout"), image), "localhost/formats:1" });
    podman({ "save", "--format", "docker-archive", "-o", scratch("podman.tar"), "localhost/formats:1" });
    auto listing = run_command({ "tar", "-tvf", scratch("podman.tar") });
    EXPECT_NE(listing.out.find("/layer.tar -> ../"), std::string::npos) << "not the layout this test is about:\n" << listing.out;

    EXPECT_EQ(load(scratch("podman.tar")), "Loaded image: localhost/formats:1\n");
    EXPECT_EQ(cat("localhost/formats:1", "/etc/archive-format"), content);
}

// An OCI image layout in a tar; index.json names the image in the annotation
// org.opencontainers.image.ref.name (OCI annotations.md) with its full name.
TEST_P(ArchiveFormats, PodmanOciArchive)
{
    auto content = marker_content("podman save --format oci-archive");
    auto image = write_layout("layout", "/etc/archive-format", content);
    podman({ "import", flatten(scratch("layout"), image), "localhost/formats:2" });
    podman({ "save", "--format", "oci-archive", "-o", scratch("podman-oci.tar"), "localhost/formats:2" });
    auto index = run_command({ "tar", "-xOf", scratch("podman-oci.tar"), "index.json" });
    EXPECT_NE(index.out.find("\"org.opencontainers.image.ref.name\":\"localhost/formats:2\""), std::string::npos) << index.out;

    EXPECT_EQ(load(scratch("podman-oci.tar")), "Loaded image: localhost/formats:2\n");
    auto listed = vmlet({ "images", "--format", "json" });
    EXPECT_NE(listed.out.find("\"Repository\":\"localhost/formats\""), std::string::npos) << listed.out;
    EXPECT_EQ(cat("localhost/formats:2", "/etc/archive-format"), content);
}

TEST_P(ArchiveFormats, SkopeoDockerArchive)
{
    auto content = marker_content("skopeo copy docker-archive");
    write_layout("layout", "/etc/archive-format", content, "latest");
    auto copied = run_command({ "env", "TMPDIR=" + scratch("tmp"), "skopeo", "copy", "--quiet", "oci:" + scratch("layout") + ":latest",
        "docker-archive:" + scratch("skopeo.tar") + ":skopeo/formats:3" });
    ASSERT_EQ(copied.exit_code, 0) << copied.err;

    EXPECT_EQ(load(scratch("skopeo.tar")), "Loaded image: skopeo/formats:3\n");
    EXPECT_EQ(cat("skopeo/formats:3", "/etc/archive-format"), content);
}

// Two images sharing both layers under different configs, so the second one's top layer.tar is a
// symbolic link to the first's, as Docker writes it.
TEST_P(ArchiveFormats, DockerClassicArchive)
{
    auto first_content = marker_content("docker save (classic)");
    auto first = write_layout("first", "/etc/archive-format", first_content);
    ImageSpec second_spec;
    second_spec.gzip = false;
    second_spec.cmd = { "cat", "/etc/archive-format" };
    second_spec.extra_files = { { "/etc/archive-format", first_content, 0644 } };
    auto second = write_oci_layout(scratch("second"), second_spec);
    ASSERT_EQ(first.diff_ids, second.diff_ids);
    ASSERT_NE(first.config, second.config);
    ClassicDockerArchive archive;
    archive.add_image(scratch("first"), first, "classic/formats", "4");
    archive.add_image(scratch("second"), second, "classic/formats", "5");
    archive.write(scratch("classic.tar"));

    EXPECT_EQ(load(scratch("classic.tar")), "Loaded image: classic/formats:4\nLoaded image: classic/formats:5\n");
    EXPECT_EQ(cat("classic/formats:4", "/etc/archive-format"), first_content);
    EXPECT_EQ(cat("classic/formats:5", "/etc/archive-format"), first_content);
}

}
