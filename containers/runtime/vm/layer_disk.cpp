#include "containers/runtime/vm/layer_disk.h"

#include "vmm/base/file.h"
#include "vmm/base/subprocess.h"

#include <fcntl.h>
#include <unistd.h>

#include <filesystem>

namespace vmlet {

namespace {

// As Docker's devicemapper and Kata's block layers default to: room a container rarely fills,
// which a sparse file pays for only as it is written.
constexpr off_t kLayerDiskBytes = off_t(10) << 30;

}

Result<void> blank_layer_disk(const std::string& path)
{
    auto fd = TRY(open_file(path, O_RDWR | O_CREAT | O_TRUNC, 0600));
    if (::ftruncate(fd.get(), kLayerDiskBytes) < 0)
        return errno_error(fmt::format("cannot size {}", path));
    return {};
}

namespace {

// A sparse ext4 at `disk`, holding `directories`, made once: beside and renamed into place, so a
// start killed halfway leaves no half-made file system.
Result<std::string> formatted_disk(const std::string& disk, const std::string& label, const std::vector<std::string>& directories)
{
    if (::access(disk.c_str(), F_OK) == 0)
        return disk;
    auto making = disk + ".new";
    TRY(blank_layer_disk(making));
    // Lazy inode tables and journal: mkfs writes a few MiB, and the guest mounts it with
    // noinit_itable, so neither side zeroes what reads back as zeros anyway. One inode per 64 KiB
    // (160 Ki files) and no reserved blocks or resize inode: fewer tables for the guest's kernel
    // to read at mount, interpreted work on PVM hosts.
    // Its directories are made here too (-d): the guest's first directories on a fresh ext4 cost
    // it a quarter of a second of interpreted kernel work on PVM hosts.
    auto seed = disk + ".seed";
    std::error_code error;
    std::filesystem::remove_all(seed, error);
    std::filesystem::create_directories(seed, error);
    for (const auto& directory : directories) {
        if (!error)
            std::filesystem::create_directories(seed + "/" + directory, error);
    }
    auto made = error ? make_error("cannot create {}: {}", seed, error.message())
                      : run_tool({ "mkfs.ext4", "-q", "-F", "-L", label, "-i", "65536", "-m", "0", "-O", "^resize_inode", "-J", "size=4", "-E",
                          "lazy_itable_init=1,lazy_journal_init=1", "-d", seed, making });
    std::filesystem::remove_all(seed, error);
    if (made.ok() && ::rename(making.c_str(), disk.c_str()) < 0)
        made = errno_error(fmt::format("cannot make {}", disk));
    if (!made.ok()) {
        ::unlink(making.c_str());
        return made.release_error();
    }
    return disk;
}

}

Result<std::string> container_layer_disk(const std::string& state_directory)
{
    return formatted_disk(state_directory + "/layer.ext4", "vmlet-layer", { "upper", "work" });
}

Result<std::string> bundle_image_disk(const std::string& directory)
{
    std::error_code error;
    std::filesystem::create_directories(directory, error);
    if (error)
        return make_error("cannot create {}: {}", directory, error.message());
    return formatted_disk(directory + "/oci-bundle.ext4", "vmlet-bundle", {});
}

}
