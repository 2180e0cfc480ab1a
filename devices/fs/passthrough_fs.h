#pragma once

#include "devices/fs/export.h"
#include "devices/fs/handle_table.h"
#include "devices/fs/inode_table.h"

#include <linux/fuse.h>
#include <sys/uio.h>

#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace vmlet::fs {

// The host side of a share: FUSE operations (linux/fuse.h) on the exported directories, each
// answering 0 or a positive errno. Nothing here can reach outside an export:
// - every lookup is one component, opened relative to the parent's O_PATH descriptor with
//   openat2(RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS) and O_NOFOLLOW, so a
//   symbolic link is returned to the guest as a link and never followed on the host, not even one
//   swapped in between two lookups (the parent is held by descriptor, not by path);
// - names are single components (RequestArgs::name), never "." or "..";
// - creating and removing use *at() calls relative to the parent's descriptor, which do not follow
//   a final symbolic link;
// - a file is reopened for I/O through /proc/self/fd/N of its own O_PATH descriptor, and only a
//   regular file or a directory: that names exactly the inode looked up, whatever was renamed or
//   swapped since, where reopening by name would have to look it up again. The /proc/self/fd
//   directory is opened when the share is made, before any jail, which shows no /proc; a jailed
//   monitor keeps it by descriptor. Opening a device node is refused (the guest's kernel serves
//   its own device nodes and never asks), so a node the guest made cannot open a host device.
// A read-only export refuses every change with EROFS, and its files are opened read-only.
class PassthroughFs {
public:
    // The share's root: the export's directory when there is one unnamed export; otherwise a
    // synthetic read-only directory listing the exports by name (empty when there are none).
    static Result<PassthroughFs> create(std::vector<Export> exports);

    // Every node and handle released (FUSE_DESTROY, a device reset).
    void reset();

    int lookup(uint64_t parent, std::string_view name, fuse_entry_out& out);
    void forget(uint64_t node, uint64_t count);
    int getattr(uint64_t node, fuse_attr_out& out);
    int setattr(uint64_t node, const fuse_setattr_in& in, fuse_attr_out& out);
    int readlink(uint64_t node, std::string& target);
    int symlink(uint64_t parent, std::string_view name, std::string_view target, fuse_entry_out& out);
    int mknod(uint64_t parent, std::string_view name, uint32_t mode, uint32_t rdev, fuse_entry_out& out);
    int mkdir(uint64_t parent, std::string_view name, uint32_t mode, fuse_entry_out& out);
    int unlink(uint64_t parent, std::string_view name);
    int rmdir(uint64_t parent, std::string_view name);
    int rename(uint64_t old_parent, std::string_view old_name, uint64_t new_parent, std::string_view new_name, uint32_t flags);
    int link(uint64_t node, uint64_t new_parent, std::string_view new_name, fuse_entry_out& out);
    int statfs(uint64_t node, fuse_kstatfs& out);
    int access(uint64_t node, uint32_t mask);

    // Files and directories (passthrough_files.cpp).
    int open(uint64_t node, uint32_t flags, bool directory, fuse_open_out& out);
    int create(uint64_t parent, std::string_view name, uint32_t flags, uint32_t mode, fuse_entry_out& entry, fuse_open_out& open);
    int release(uint64_t handle);
    int read(uint64_t handle, uint64_t offset, std::vector<iovec>& buffers, size_t& done);
    int write(uint64_t handle, uint64_t offset, std::vector<iovec>& buffers, size_t& done);
    int fsync(uint64_t handle, bool data_only);
    int lseek(uint64_t handle, uint64_t offset, uint32_t whence, uint64_t& out);
    int fallocate(uint64_t handle, uint32_t mode, uint64_t offset, uint64_t length);
    // READDIR and READDIRPLUS: entries from `offset` (a position this server gave) into `out`,
    // no more than `size` bytes; READDIRPLUS looks each entry up as LOOKUP would.
    int readdir(uint64_t handle, uint64_t offset, uint32_t size, bool plus, std::vector<uint8_t>& out);

    size_t inode_count() const { return m_inodes.size(); }

private:
    PassthroughFs(std::vector<Export> exports, UniqueFd proc_fds);

    bool synthetic_root() const { return m_synthetic_root; }
    bool is_synthetic(uint64_t node) const { return m_synthetic_root && node == InodeTable::kRootId; }
    // The inode of a node the guest names, or an errno: ENOENT for a node it does not have,
    // EROFS for a change under the synthetic root or in a read-only export (when `change`).
    int resolve(uint64_t node, bool change, Inode*& inode);
    // Opens `name` under `directory` (O_PATH, nothing followed) and enters it in the table.
    int enter(int directory, uint32_t export_index, std::string_view name, fuse_entry_out& out);
    // Checks that `parent` is a directory the guest may change, runs `make` on its descriptor
    // and enters what it made.
    int make_entry(uint64_t parent, std::string_view name, fuse_entry_out& out, const std::function<int(int)>& make);
    int remove(uint64_t parent, std::string_view name, int flags);
    int enter_export(std::string_view name, fuse_entry_out& out);
    // The open file `id` names, or an errno: EBADF for none, EISDIR for a directory's; with
    // `change`, EROFS in a read-only export and EBADF for one opened read-only.
    int open_file_handle(uint64_t id, bool change, Handle*& handle);
    // The file behind an O_PATH descriptor, opened anew with `flags` through /proc/self/fd.
    int reopen(const Inode& inode, int flags, UniqueFd& out);
    void fill_entry(uint64_t node, const struct stat& status, fuse_entry_out& out) const;
    static void fill_attr(const struct stat& status, fuse_attr& out);
    void synthetic_attr(fuse_attr& out) const;
    int readdir_synthetic(uint64_t offset, uint32_t size, bool plus, std::vector<uint8_t>& out);

    std::vector<Export> m_exports;
    UniqueFd m_proc_fds;
    bool m_synthetic_root { false };
    InodeTable m_inodes;
    HandleTable m_handles;
};

// The longest symbolic link target READLINK answers (PATH_MAX).
constexpr size_t kMaxLinkTarget = 4096;

// How long the guest may cache names and attributes: short, as the host may change the export.
constexpr uint64_t kCacheSeconds = 1;

}
