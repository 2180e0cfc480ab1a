#include "containers/runtime/vm/image_disk.h"

#include "vmm/base/file.h"
#include "vmm/base/subprocess.h"
#include "vmm/base/unique_fd.h"

#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
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

// The overlay options that merge the layers read-only. overlayfs without an upper directory wants
// at least two lower ones (Documentation/filesystems/overlayfs.rst, "Multiple lower layers"): an
// empty one goes at the bottom.
std::string merged_options(const std::vector<std::string>& lower_dirs, const std::string& empty)
{
    std::string options = "lowerdir=";
    for (const auto& layer : lower_dirs)
        options += layer + ":";
    return options + empty;
}

// Makes the file system at `disk` from the layers merged at `merged`, in a child with a mount
// namespace of its own: the overlay exists only there, and goes with the child however vmlet ends
// (SIGKILL included: the child dies with it), so it is never left mounted on the host, where it
// would keep the store's tmp/ from being cleared. mkfs.ext4 runs in that namespace.
Result<void> make_file_system(const std::string& options, const std::string& merged, const std::string& disk, uint64_t mib)
{
    std::vector<std::string> argv { "mkfs.ext4", "-q", "-F", "-O", "^has_journal", "-L", "vmlet-image", "-d", merged, disk, fmt::format("{}M", mib) };
    std::vector<char*> args;
    for (auto& arg : argv)
        args.push_back(arg.data());
    args.push_back(nullptr);
    int errors[2];
    if (::pipe2(errors, O_CLOEXEC) < 0)
        return errno_error("pipe2");
    UniqueFd read_end(errors[0]), write_end(errors[1]);
    // mkfs.ext4 says "Creating regular file" on standard output even with -q: that is vmlet's
    // output (a detached run's container id), so it goes nowhere.
    UniqueFd null(::open("/dev/null", O_RDWR | O_CLOEXEC));
    if (!null.valid())
        return errno_error("/dev/null");
    pid_t child = ::fork();
    if (child < 0)
        return errno_error("fork");
    if (child == 0) {
        ::prctl(PR_SET_PDEATHSIG, SIGKILL);
        ::dup2(null.get(), STDIN_FILENO);
        ::dup2(null.get(), STDOUT_FILENO);
        ::dup2(write_end.get(), STDERR_FILENO);
        auto die = [](const char* what) {
            dprintf(STDERR_FILENO, "%s: %s\n", what, strerrordesc_np(errno));
            ::_exit(125);
        };
        if (::unshare(CLONE_NEWNS) < 0 || ::mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) < 0)
            die("cannot make a mount namespace");
        if (::mount("overlay", merged.c_str(), "overlay", MS_RDONLY, options.c_str()) < 0)
            die("cannot merge the image's layers (overlay mount)");
        ::execvp(args[0], args.data());
        die("cannot run mkfs.ext4");
    }
    write_end.reset();
    auto said = read_to_end(read_end.get(), 4096);
    auto status = TRY(wait_process(child));
    if (status != 0) {
        auto text = said.ok() ? said.value() : std::string();
        while (!text.empty() && text.back() == '\n')
            text.pop_back();
        return make_error("{}", text.empty() ? fmt::format("mkfs.ext4 exited with status {}", status) : text.substr(text.rfind('\n') + 1));
    }
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
        // No journal: the file system is only ever mounted read-only.
        TRY(make_file_system(merged_options(source.lower_dirs, temp_path + "/empty"), temp_path + "/merged", temp_path + "/disk.ext4",
            disk_mib(source.content_bytes)));
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
