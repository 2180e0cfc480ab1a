#pragma once

#include "vmm/base/result.h"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace vmlet {

// What shapes a VM container's template: the image (its disk) and the VM's size. The kernel,
// initramfs and monitor are vmlet's own and go into the key too.
struct TemplateShape {
    std::string image_hex; // the image id, for `vmlet template ls` and removal with the image
    std::string disk;      // the image's ext4 (image_disk.h), attached read-only as /dev/vda
    uint64_t memory_mib { 0 };
    uint32_t cpus { 1 };
    // Files of the image its agent reads while it builds the template (the image's default
    // command, its shell), so that their pages are in every clone's page cache: reading them
    // from the disk is interpreted guest kernel work on PVM hosts, at each container's start.
    std::vector<std::string> warm_files {};
};

// A template as `vmlet template ls` shows it.
struct TemplateInfo {
    std::string key, image_hex, created;
    uint64_t memory_mib { 0 };
    uint32_t cpus { 0 };
    uint64_t disk_bytes { 0 }; // what its memory file takes on disk
    bool usable { false };     // its image's disk is still the one it was made with
};

// Templates: an image is a VM snapshot and a container is a restore of it (README, "Templates").
// A template is the agent VM of one image booted once and saved where its agent waits for a
// container's spec, with the image's root already mounted under its writable layer
// (guest/agent/agent_protocol.h, "Templates"), and with one virtio-net card, whose tap each
// restore replaces with its container's (vm_sandbox.cpp). They live in <store>/templates/<key>/, keyed by
// everything that shapes them: the monitor, kernel and initramfs files, the disk file (device,
// inode, size, time: a rebuilt disk is another disk), memory and vCPUs, and the host's boot. A change to any makes
// another key, and the old template is left for `template prune`.
class VmTemplates {
public:
    explicit VmTemplates(std::string store_root)
        : m_root(std::move(store_root) + "/templates")
    {
    }

    // The template for `shape`, built first when there is none: under an exclusive lock of its
    // key, so that concurrent first runs make one. Nothing when this host's KVM cannot restore
    // VMs (the monitor says why, which `why_not` receives); then a container boots cold.
    Result<std::optional<std::string>> find_or_build(const TemplateShape& shape, std::string& why_not);

    Result<std::vector<TemplateInfo>> list() const;
    // Removes one template by key (or unambiguous key prefix), or every template of an image.
    Result<void> remove(const std::string& key_prefix);
    Result<size_t> remove_image(const std::string& image_hex);
    // Removes the templates that can no longer be used; returns how many.
    Result<size_t> prune();

private:
    Result<std::string> key_of(const TemplateShape& shape) const;
    Result<void> build(const TemplateShape& shape, const std::string& directory);

    std::string m_root;
};

// Asks the monitor whether this host's KVM can save and restore VMs: nothing when it can, else the
// reason in one sentence (vmlet-vmm check-snapshot).
Result<std::optional<std::string>> snapshot_unsupported_reason();

}
