#include "containers/runtime/process/overlay_rootfs.h"

#include <sys/mount.h>
#include <sys/statfs.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <filesystem>

namespace vmlet {

namespace {

// mount(2) copies at most one page of options.
constexpr size_t max_mount_options = 4095;

// ',' separates mount options and ':' separates layers; refusing them is simpler than overlayfs's escaping.
Result<void> check_layer_path(const std::string& path, std::string_view what)
{
    if (path.empty() || path.front() != '/')
        return make_error("the {} {} is not an absolute path", what, path);
    if (path.find_first_of(",:\\") != std::string::npos)
        return make_error("the {} {} contains ',', ':' or '\\', which overlayfs options cannot hold", what, path);
    return {};
}

}

Result<std::string> overlay_mount_options(const RootfsSpec& spec)
{
    if (spec.lower_dirs.empty())
        return make_error("the container has no image layers");
    TRY(check_layer_path(spec.state_dir, "state directory"));
    std::string options = "lowerdir=";
    for (size_t i = 0; i < spec.lower_dirs.size(); ++i) {
        TRY(check_layer_path(spec.lower_dirs[i], "layer directory"));
        options += (i ? ":" : "") + spec.lower_dirs[i];
    }
    options += fmt::format(",upperdir={0}/upper,workdir={0}/work", spec.state_dir);
    if (options.size() > max_mount_options)
        return make_error("the overlayfs options for {} layers are {} bytes, more than mount(2) takes ({})",
            spec.lower_dirs.size(), options.size(), max_mount_options);
    return options;
}

namespace {

// An OCI bundle's root, bound where an overlay would be, and nodev as the overlay is: the bind
// first, then a remount that sets the flag on it (mount(2), "Creating a bind mount").
Result<OverlayRootfs> bind_bundle_root(const RootfsSpec& spec)
{
    if (spec.bundle_root.empty() || spec.bundle_root.front() != '/')
        return make_error("the bundle's root {} is not an absolute path", spec.bundle_root);
    auto rootfs = spec.state_dir + "/rootfs";
    std::error_code error;
    std::filesystem::create_directories(rootfs, error);
    if (error)
        return make_error("cannot create {}: {}", rootfs, error.message());
    if (::mount(spec.bundle_root.c_str(), rootfs.c_str(), nullptr, MS_BIND | MS_REC, nullptr) < 0)
        return errno_error(fmt::format("cannot bind the bundle's root {}", spec.bundle_root));
    auto bound = OverlayRootfs::adopt(rootfs);
    // A bind remount sets the flags it is given: those the bundle's root has (ro, nosuid,
    // noexec; statfs(2)'s ST_* are MS_*'s values) are given again, with nodev.
    struct statfs current {};
    if (::statfs(rootfs.c_str(), &current) < 0)
        return errno_error(fmt::format("cannot read the flags of the bundle's root {}", spec.bundle_root));
    constexpr unsigned long kept = MS_RDONLY | MS_NOSUID | MS_NOEXEC | MS_NOATIME | MS_NODIRATIME | MS_RELATIME;
    if (::mount(nullptr, rootfs.c_str(), nullptr, MS_REMOUNT | MS_BIND | MS_NODEV | (current.f_flags & kept), nullptr) < 0)
        return errno_error(fmt::format("cannot make the bundle's root {} nodev", spec.bundle_root));
    return bound;
}

}

Result<OverlayRootfs> OverlayRootfs::mount(const RootfsSpec& spec)
{
    if (!spec.bundle_root.empty())
        return bind_bundle_root(spec);
    auto options = TRY(overlay_mount_options(spec));
    for (const auto& lower : spec.lower_dirs) {
        struct stat st {};
        if (::stat(lower.c_str(), &st) < 0)
            return errno_error(fmt::format("image layer {}", lower));
        if (!S_ISDIR(st.st_mode))
            return make_error("image layer {} is not a directory", lower);
    }
    auto rootfs = spec.state_dir + "/rootfs";
    for (const char* name : { "/upper", "/work", "/rootfs" }) {
        std::error_code error;
        std::filesystem::create_directories(spec.state_dir + name, error);
        if (error)
            return make_error("cannot create {}{}: {}", spec.state_dir, name, error.message());
    }
    if (::mount("overlay", rootfs.c_str(), "overlay", MS_NODEV, options.c_str()) < 0)
        return errno_error(fmt::format("cannot mount the container's overlay filesystem on {}", rootfs));
    return OverlayRootfs(std::move(rootfs));
}

OverlayRootfs::OverlayRootfs(OverlayRootfs&& other) noexcept
    : m_path(std::move(other.m_path))
    , m_mounted(std::exchange(other.m_mounted, false))
{
}

OverlayRootfs& OverlayRootfs::operator=(OverlayRootfs&& other) noexcept
{
    if (this != &other) {
        (void)unmount();
        m_path = std::move(other.m_path);
        m_mounted = std::exchange(other.m_mounted, false);
    }
    return *this;
}

OverlayRootfs::~OverlayRootfs()
{
    (void)unmount();
}

Result<void> OverlayRootfs::unmount()
{
    if (!m_mounted)
        return {};
    // The container's mount namespace holds its own copy of this mount, so the host's copy is normally
    // idle; a host process sitting in it (a shell cd'ed there) only delays the release (MNT_DETACH).
    // EINVAL: not a mount point (an adopted rootfs whose mount had gone already).
    if (::umount2(m_path.c_str(), 0) < 0 && errno != EINVAL && (errno != EBUSY || ::umount2(m_path.c_str(), MNT_DETACH) < 0))
        return errno_error(fmt::format("cannot unmount {}", m_path));
    m_mounted = false;
    return {};
}

}
