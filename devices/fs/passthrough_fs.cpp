#include "devices/fs/passthrough_fs.h"

#include "devices/fs/fuse_request.h"
#include "devices/fs/host_calls.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>

#include <algorithm>
#include <climits>

namespace vmlet::fs {

Result<PassthroughFs> PassthroughFs::create(std::vector<Export> exports)
{
    UniqueFd proc_fds(::open("/proc/self/fd", O_PATH | O_DIRECTORY | O_CLOEXEC));
    if (!proc_fds.valid())
        return errno_error("a share needs /proc/self/fd to reopen files");
    PassthroughFs fs(std::move(exports), std::move(proc_fds));
    if (!fs.m_synthetic_root) {
        struct stat status {};
        UniqueFd root(::fcntl(fs.m_exports[0].root.get(), F_DUPFD_CLOEXEC, 0));
        if (!root.valid() || stat_of(root.get(), status) != 0)
            return errno_error("the shared directory");
        fs.m_inodes.set_root(std::move(root), status);
    }
    return fs;
}

PassthroughFs::PassthroughFs(std::vector<Export> exports, UniqueFd proc_fds)
    : m_exports(std::move(exports))
    , m_proc_fds(std::move(proc_fds))
    , m_synthetic_root(m_exports.size() != 1 || !m_exports[0].name.empty())
{
}

void PassthroughFs::reset()
{
    m_handles.clear();
    m_inodes.clear();
}

int PassthroughFs::resolve(uint64_t node, bool change, Inode*& inode)
{
    if (is_synthetic(node))
        return change ? EROFS : EINVAL;
    inode = m_inodes.find(node);
    if (!inode)
        return ENOENT;
    if (change && m_exports[inode->export_index].read_only)
        return EROFS;
    return 0;
}

void PassthroughFs::fill_attr(const struct stat& status, fuse_attr& out)
{
    out = {};
    out.ino = status.st_ino;
    out.size = uint64_t(status.st_size);
    out.blocks = uint64_t(status.st_blocks);
    out.atime = uint64_t(status.st_atim.tv_sec);
    out.mtime = uint64_t(status.st_mtim.tv_sec);
    out.ctime = uint64_t(status.st_ctim.tv_sec);
    out.atimensec = uint32_t(status.st_atim.tv_nsec);
    out.mtimensec = uint32_t(status.st_mtim.tv_nsec);
    out.ctimensec = uint32_t(status.st_ctim.tv_nsec);
    out.mode = status.st_mode;
    out.nlink = uint32_t(status.st_nlink);
    out.uid = status.st_uid;
    out.gid = status.st_gid;
    out.rdev = uint32_t(status.st_rdev);
    out.blksize = uint32_t(status.st_blksize);
}

void PassthroughFs::synthetic_attr(fuse_attr& out) const
{
    out = {};
    out.ino = InodeTable::kRootId;
    out.mode = S_IFDIR | 0555;
    out.nlink = uint32_t(2 + m_exports.size());
    out.blksize = 4096;
}

void PassthroughFs::fill_entry(uint64_t node, const struct stat& status, fuse_entry_out& out) const
{
    out = {};
    out.nodeid = node;
    out.entry_valid = kCacheSeconds;
    out.attr_valid = kCacheSeconds;
    fill_attr(status, out.attr);
}

int PassthroughFs::enter(int directory, uint32_t export_index, std::string_view name, fuse_entry_out& out)
{
    UniqueFd fd;
    if (int error = open_beneath(directory, name, O_PATH, 0, fd))
        return error;
    struct stat status {};
    if (int error = stat_of(fd.get(), status))
        return error;
    auto node = m_inodes.add(std::move(fd), status, export_index);
    if (!node)
        return ENFILE;
    fill_entry(*node, status, out);
    return 0;
}

int PassthroughFs::enter_export(std::string_view name, fuse_entry_out& out)
{
    for (uint32_t index = 0; index < m_exports.size(); ++index) {
        if (m_exports[index].name != name)
            continue;
        UniqueFd fd(::fcntl(m_exports[index].root.get(), F_DUPFD_CLOEXEC, 0));
        struct stat status {};
        if (!fd.valid() || stat_of(fd.get(), status) != 0)
            return errno;
        auto node = m_inodes.add(std::move(fd), status, index);
        if (!node)
            return ENFILE;
        fill_entry(*node, status, out);
        return 0;
    }
    return ENOENT;
}

int PassthroughFs::lookup(uint64_t parent, std::string_view name, fuse_entry_out& out)
{
    if (is_synthetic(parent))
        return enter_export(name, out);
    Inode* directory = nullptr;
    if (int error = resolve(parent, false, directory))
        return error;
    if (directory->type != S_IFDIR)
        return ENOTDIR;
    return enter(directory->fd.get(), directory->export_index, name, out);
}

void PassthroughFs::forget(uint64_t node, uint64_t count) { m_inodes.forget(node, count); }

int PassthroughFs::getattr(uint64_t node, fuse_attr_out& out)
{
    out = {};
    out.attr_valid = kCacheSeconds;
    if (is_synthetic(node)) {
        synthetic_attr(out.attr);
        return 0;
    }
    Inode* inode = nullptr;
    if (int error = resolve(node, false, inode))
        return error;
    struct stat status {};
    if (int error = stat_of(inode->fd.get(), status))
        return error;
    fill_attr(status, out.attr);
    return 0;
}

int PassthroughFs::setattr(uint64_t node, const fuse_setattr_in& in, fuse_attr_out& out)
{
    Inode* inode = nullptr;
    if (int error = resolve(node, true, inode))
        return error;
    bool link = inode->type == S_IFLNK;
    auto proc_name = std::to_string(inode->fd.get());
    if (in.valid & FATTR_MODE) {
        // Linux has no mode of a symbolic link to change (chmod(2) follows it; fchmodat refuses
        // AT_SYMLINK_NOFOLLOW), and following it here could reach outside the export.
        if (link)
            return EOPNOTSUPP;
        if (::fchmodat(m_proc_fds.get(), proc_name.c_str(), in.mode & 07777, 0) < 0)
            return errno;
    }
    if (in.valid & (FATTR_UID | FATTR_GID)) {
        uid_t uid = (in.valid & FATTR_UID) ? in.uid : uid_t(-1);
        gid_t gid = (in.valid & FATTR_GID) ? in.gid : gid_t(-1);
        if (::fchownat(inode->fd.get(), "", uid, gid, AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW) < 0)
            return errno;
    }
    if (in.valid & FATTR_SIZE) {
        if (inode->type != S_IFREG)
            return inode->type == S_IFDIR ? EISDIR : EINVAL;
        if (in.size > uint64_t(INT64_MAX))
            return EFBIG;
        Handle* handle = (in.valid & FATTR_FH) ? m_handles.find(in.fh) : nullptr;
        UniqueFd reopened;
        int fd = -1;
        if (handle && handle->node == node && handle->writable && handle->fd.valid()) {
            fd = handle->fd.get();
        } else {
            if (int error = reopen(*inode, O_WRONLY, reopened))
                return error;
            fd = reopened.get();
        }
        if (::ftruncate(fd, off_t(in.size)) < 0)
            return errno;
    }
    if (in.valid & (FATTR_ATIME | FATTR_MTIME | FATTR_ATIME_NOW | FATTR_MTIME_NOW)) {
        if (link)
            return EOPNOTSUPP;
        timespec times[2] = { { 0, UTIME_OMIT }, { 0, UTIME_OMIT } };
        if (in.valid & FATTR_ATIME_NOW)
            times[0] = { 0, UTIME_NOW };
        else if (in.valid & FATTR_ATIME)
            times[0] = { time_t(in.atime), long(std::min<uint32_t>(in.atimensec, 999999999)) };
        if (in.valid & FATTR_MTIME_NOW)
            times[1] = { 0, UTIME_NOW };
        else if (in.valid & FATTR_MTIME)
            times[1] = { time_t(in.mtime), long(std::min<uint32_t>(in.mtimensec, 999999999)) };
        if (::utimensat(m_proc_fds.get(), proc_name.c_str(), times, 0) < 0)
            return errno;
    }
    return getattr(node, out);
}

int PassthroughFs::readlink(uint64_t node, std::string& target)
{
    Inode* inode = nullptr;
    if (is_synthetic(node))
        return EINVAL;
    if (int error = resolve(node, false, inode))
        return error;
    if (inode->type != S_IFLNK)
        return EINVAL;
    target.resize(kMaxLinkTarget);
    ssize_t length = ::readlinkat(inode->fd.get(), "", target.data(), target.size());
    if (length < 0)
        return errno;
    target.resize(size_t(length));
    return 0;
}

int PassthroughFs::make_entry(uint64_t parent, std::string_view name, fuse_entry_out& out, const std::function<int(int)>& make)
{
    Inode* directory = nullptr;
    if (int error = resolve(parent, true, directory))
        return error;
    if (directory->type != S_IFDIR)
        return ENOTDIR;
    if (int error = make(directory->fd.get()))
        return error;
    return enter(directory->fd.get(), directory->export_index, name, out);
}

int PassthroughFs::symlink(uint64_t parent, std::string_view name, std::string_view target, fuse_entry_out& out)
{
    std::string component(name), contents(target);
    return make_entry(parent, name, out, [&](int directory) { return ::symlinkat(contents.c_str(), directory, component.c_str()) < 0 ? errno : 0; });
}

int PassthroughFs::mknod(uint64_t parent, std::string_view name, uint32_t mode, uint32_t rdev, fuse_entry_out& out)
{
    // Regular files, FIFOs and sockets only. A device node the guest made would be a host device
    // node: any host user the guest let at it (a guest root sets its owner and mode) could reach the
    // host's disk through the share. The guest's own device nodes belong on its own file systems.
    mode_t type = mode_t(mode) & S_IFMT;
    if (type == S_IFCHR || type == S_IFBLK)
        return EPERM;
    if (type != S_IFREG && type != S_IFIFO && type != S_IFSOCK)
        return EINVAL;
    std::string component(name);
    return make_entry(parent, name, out, [&](int directory) { return ::mknodat(directory, component.c_str(), mode_t(mode), dev_t(rdev)) < 0 ? errno : 0; });
}

int PassthroughFs::mkdir(uint64_t parent, std::string_view name, uint32_t mode, fuse_entry_out& out)
{
    std::string component(name);
    return make_entry(parent, name, out, [&](int directory) { return ::mkdirat(directory, component.c_str(), mode_t(mode & 07777)) < 0 ? errno : 0; });
}

int PassthroughFs::remove(uint64_t parent, std::string_view name, int flags)
{
    Inode* directory = nullptr;
    if (int error = resolve(parent, true, directory))
        return error;
    std::string component(name);
    return ::unlinkat(directory->fd.get(), component.c_str(), flags) < 0 ? errno : 0;
}

int PassthroughFs::unlink(uint64_t parent, std::string_view name) { return remove(parent, name, 0); }

int PassthroughFs::rmdir(uint64_t parent, std::string_view name) { return remove(parent, name, AT_REMOVEDIR); }

int PassthroughFs::rename(uint64_t old_parent, std::string_view old_name, uint64_t new_parent, std::string_view new_name, uint32_t flags)
{
    // RENAME_WHITEOUT makes a device node, which is overlayfs' business on the host, not a guest's.
    if (flags & ~uint32_t(RENAME_NOREPLACE | RENAME_EXCHANGE))
        return EINVAL;
    Inode* from = nullptr;
    Inode* to = nullptr;
    if (int error = resolve(old_parent, true, from))
        return error;
    if (int error = resolve(new_parent, true, to))
        return error;
    if (from->export_index != to->export_index)
        return EXDEV;
    std::string old_component(old_name), new_component(new_name);
    return ::renameat2(from->fd.get(), old_component.c_str(), to->fd.get(), new_component.c_str(), flags) < 0 ? errno : 0;
}

int PassthroughFs::link(uint64_t node, uint64_t new_parent, std::string_view new_name, fuse_entry_out& out)
{
    Inode* inode = nullptr;
    Inode* directory = nullptr;
    if (int error = resolve(node, true, inode))
        return error;
    if (int error = resolve(new_parent, true, directory))
        return error;
    if (inode->export_index != directory->export_index)
        return EXDEV;
    // linkat(AT_EMPTY_PATH) would need CAP_DAC_READ_SEARCH; the /proc/self/fd link of the O_PATH
    // descriptor names the same inode (linkat(2)).
    auto proc_name = std::to_string(inode->fd.get());
    std::string component(new_name);
    return make_entry(new_parent, new_name, out, [&](int target) {
        return ::linkat(m_proc_fds.get(), proc_name.c_str(), target, component.c_str(), AT_SYMLINK_FOLLOW) < 0 ? errno : 0;
    });
}

int PassthroughFs::statfs(uint64_t node, fuse_kstatfs& out)
{
    out = {};
    if (is_synthetic(node)) {
        out.bsize = out.frsize = 4096;
        out.namelen = kMaxName;
        return 0;
    }
    Inode* inode = nullptr;
    if (int error = resolve(node, false, inode))
        return error;
    struct statfs status {};
    if (::fstatfs(inode->fd.get(), &status) < 0)
        return errno;
    out.blocks = status.f_blocks;
    out.bfree = status.f_bfree;
    out.bavail = status.f_bavail;
    out.files = status.f_files;
    out.ffree = status.f_ffree;
    out.bsize = uint32_t(status.f_bsize);
    out.namelen = uint32_t(status.f_namelen);
    out.frsize = uint32_t(status.f_frsize);
    return 0;
}

int PassthroughFs::access(uint64_t node, uint32_t mask)
{
    if (mask & ~uint32_t(R_OK | W_OK | X_OK))
        return EINVAL;
    if (is_synthetic(node))
        return (mask & W_OK) ? EROFS : 0;
    Inode* inode = nullptr;
    if (int error = resolve(node, (mask & W_OK) != 0, inode))
        return error;
    // A symbolic link has no permissions of its own to check (its mode is always 0777).
    if (inode->type == S_IFLNK)
        return 0;
    // AT_EACCESS: checked with the thread's file-system IDs, the guest caller's (faccessat(2)
    // without it would use the real ones).
    auto proc_name = std::to_string(inode->fd.get());
    return check_access(m_proc_fds.get(), proc_name.c_str(), int(mask));
}

}
