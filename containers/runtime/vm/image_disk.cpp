#include "containers/runtime/vm/image_disk.h"

#include "vmm/base/subprocess.h"

#include <sys/mount.h>
#include <unistd.h>

#include <filesystem>

namespace vmlet {

namespace {

namespace fs = std::filesystem;

constexpr uint64_t kMib = 1 << 20;

// Room for ext4's own metadata and the inode tables over the files' bytes.
uint64_t disk_mib(uint64_t content_bytes)
{
    return (content_bytes + content_bytes / 4) / kMib + 32;
}

// The layers merged read-only at `target`. overlayfs without an upper directory wants at least
// two lower ones (Documentation/filesystems/overlayfs.rst, "Multiple lower layers"): an empty
// one goes at the bottom.
Result<void> mount_merged(const std::vector<std::string>& lower_dirs, const std::string& empty, const std::string& target)
{
    std::string options = "lowerdir=";
    for (const auto& layer : lower_dirs)
        options += layer + ":";
    options += empty;
    if (::mount("overlay", target.c_str(), "overlay", MS_RDONLY, options.c_str()) < 0)
        return errno_error("cannot merge the image's layers (overlay mount)");
    return {};
}

}

Result<std::string> image_disk(const std::string& store_root, const std::string& temp_path, const ImageDiskSource& source)
{
    auto disk = fmt::format("{}/disks/{}.ext4", store_root, source.image_hex);
    if (::access(disk.c_str(), F_OK) == 0)
        return disk;
    std::error_code error;
    fs::create_directories(store_root + "/disks", error);
    fs::create_directories(temp_path + "/merged", error);
    fs::create_directories(temp_path + "/empty", error);
    if (error)
        return make_error("cannot create {}: {}", temp_path, error.message());
    auto built = [&]() -> Result<void> {
        TRY(mount_merged(source.lower_dirs, temp_path + "/empty", temp_path + "/merged"));
        // No journal: the file system is only ever mounted read-only.
        auto made = run_tool({ "mkfs.ext4", "-q", "-F", "-O", "^has_journal", "-L", "vmlet-image", "-d", temp_path + "/merged",
            temp_path + "/disk.ext4", fmt::format("{}M", disk_mib(source.content_bytes)) });
        ::umount2((temp_path + "/merged").c_str(), MNT_DETACH);
        if (!made.ok())
            return made.release_error();
        if (::rename((temp_path + "/disk.ext4").c_str(), disk.c_str()) < 0)
            return errno_error(fmt::format("cannot store {}", disk));
        return {};
    }();
    fs::remove_all(temp_path, error);
    if (!built.ok())
        return built.release_error().with_context("building the image's disk for --isolation=vm");
    return disk;
}

}
