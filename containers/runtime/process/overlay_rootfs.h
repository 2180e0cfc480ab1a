#pragma once

#include "vmm/base/result.h"
#include "containers/runtime/container_spec.h"

#include <string>

namespace vmlet {

// The container's root filesystem on the host: an overlayfs of the image's layers (read-only) under the
// container's own upper/ directory, mounted on <state>/rootfs. It is mounted on the host side, not only in
// the container's mount namespace, so that vmlet prepares it (mount points, the user lookup, the working
// directory) before the container starts, and can inspect it while it runs, as Docker's overlay2 does.
// It is mounted nodev: a device node on it, one that came in an image layer or one the container made,
// cannot be opened (mount(2), MS_NODEV).
class OverlayRootfs {
public:
    static Result<OverlayRootfs> mount(const RootfsSpec& spec);
    // The rootfs of a container whose monitor died (container_reclaim.h): mounted or not.
    static OverlayRootfs adopt(std::string path) { return OverlayRootfs(std::move(path)); }

    OverlayRootfs(OverlayRootfs&& other) noexcept;
    OverlayRootfs& operator=(OverlayRootfs&& other) noexcept;
    OverlayRootfs(const OverlayRootfs&) = delete;
    OverlayRootfs& operator=(const OverlayRootfs&) = delete;
    ~OverlayRootfs();

    // <state>/rootfs.
    const std::string& path() const { return m_path; }

    // Unmounts it from the host; idempotent.
    Result<void> unmount();

private:
    explicit OverlayRootfs(std::string path)
        : m_path(std::move(path))
    {
    }

    std::string m_path;
    bool m_mounted { true };
};

// The mount(2) data for overlayfs: "lowerdir=TOP:...:BOTTOM,upperdir=...,workdir=..."
// (Documentation/filesystems/overlayfs.rst, "Multiple lower layers").
Result<std::string> overlay_mount_options(const RootfsSpec& spec);

}
