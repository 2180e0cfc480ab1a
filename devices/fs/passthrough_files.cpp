#include "devices/fs/passthrough_fs.h"

#include "devices/fs/fuse_request.h"
#include "devices/fs/host_calls.h"

#include <dirent.h>
#include <fcntl.h>
#include <linux/falloc.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <climits>
#include <cstddef>
#include <cstring>

namespace vmlet::fs {

namespace {

// The open(2) flags a guest may pass on: access mode, appending, truncation, exclusivity and the
// synchronous and non-blocking modes. Left out: O_CREAT (CREATE only), O_NOFOLLOW and O_DIRECTORY
// (the server decides), O_DIRECT (buffers in guest RAM need not be aligned), O_NOATIME, O_PATH,
// O_TMPFILE, O_NOCTTY, O_ASYNC.
constexpr uint32_t kPassedFlags = O_ACCMODE | O_APPEND | O_TRUNC | O_EXCL | O_SYNC | O_DSYNC | O_NONBLOCK;

bool writes(uint32_t flags) { return (flags & O_ACCMODE) != O_RDONLY || (flags & O_TRUNC); }

// linux_dirent64, as getdents64(2) fills it.
struct HostDirent {
    uint64_t ino;
    int64_t off;
    uint16_t reclen;
    uint8_t type;
};
constexpr size_t kHostNameOffset = offsetof(HostDirent, type) + 1;

// Appends one fuse_dirent (or fuse_direntplus) for `name`, padded to 8 bytes; false when it
// would not fit in `size`.
bool append_dirent(std::vector<uint8_t>& out, uint32_t size, const fuse_entry_out* entry, uint64_t ino, uint64_t off, uint32_t type, std::string_view name)
{
    size_t header = entry ? FUSE_NAME_OFFSET_DIRENTPLUS : FUSE_NAME_OFFSET;
    size_t length = FUSE_DIRENT_ALIGN(header + name.size());
    if (out.size() + length > size)
        return false;
    size_t at = out.size();
    out.resize(at + length, 0);
    fuse_dirent dirent { ino, off, uint32_t(name.size()), type };
    if (entry)
        std::memcpy(out.data() + at, entry, sizeof(*entry));
    std::memcpy(out.data() + at + header - FUSE_NAME_OFFSET, &dirent, FUSE_NAME_OFFSET);
    std::memcpy(out.data() + at + header, name.data(), name.size());
    return true;
}

size_t dirent_size(bool plus, std::string_view name) { return FUSE_DIRENT_ALIGN((plus ? FUSE_NAME_OFFSET_DIRENTPLUS : FUSE_NAME_OFFSET) + name.size()); }

}

int PassthroughFs::reopen(const Inode& inode, int flags, UniqueFd& out)
{
    if (inode.type != S_IFREG && inode.type != S_IFDIR)
        return EACCES;
    auto proc_name = std::to_string(inode.fd.get());
    int fd = ::openat(m_proc_fds.get(), proc_name.c_str(), flags | O_CLOEXEC);
    if (fd < 0)
        return errno;
    out = UniqueFd(fd);
    return 0;
}

int PassthroughFs::open(uint64_t node, uint32_t flags, bool directory, fuse_open_out& out)
{
    out = {};
    UniqueFd fd;
    uint32_t export_index = 0;
    bool writable = false;
    if (is_synthetic(node)) {
        if (!directory)
            return EISDIR;
    } else {
        Inode* inode = nullptr;
        if (int error = resolve(node, !directory && writes(flags), inode))
            return error;
        if (directory && inode->type != S_IFDIR)
            return ENOTDIR;
        if (!directory && inode->type == S_IFDIR)
            return EISDIR;
        int host_flags = directory ? O_RDONLY | O_DIRECTORY : int(flags & kPassedFlags & ~uint32_t(O_EXCL));
        if (int error = reopen(*inode, host_flags, fd))
            return error;
        export_index = inode->export_index;
        writable = !directory && (flags & O_ACCMODE) != O_RDONLY;
    }
    auto handle = m_handles.add({ std::move(fd), node, export_index, writable });
    if (!handle)
        return EMFILE;
    out.fh = *handle;
    return 0;
}

int PassthroughFs::create(uint64_t parent, std::string_view name, uint32_t flags, uint32_t mode, fuse_entry_out& entry, fuse_open_out& open)
{
    entry = {};
    open = {};
    Inode* directory = nullptr;
    if (int error = resolve(parent, true, directory))
        return error;
    if (directory->type != S_IFDIR)
        return ENOTDIR;
    UniqueFd fd;
    if (int error = open_beneath(directory->fd.get(), name, int(flags & kPassedFlags) | O_CREAT, mode_t(mode & 07777), fd))
        return error;
    if (int error = enter(directory->fd.get(), directory->export_index, name, entry))
        return error;
    auto handle = m_handles.add({ std::move(fd), entry.nodeid, directory->export_index, (flags & O_ACCMODE) != O_RDONLY });
    if (!handle) {
        m_inodes.forget(entry.nodeid, 1);
        return EMFILE;
    }
    open.fh = *handle;
    return 0;
}

int PassthroughFs::release(uint64_t handle) { return m_handles.remove(handle) ? 0 : EBADF; }

int PassthroughFs::read(uint64_t id, uint64_t offset, std::vector<iovec>& buffers, size_t& done)
{
    done = 0;
    Handle* handle = nullptr;
    if (int error = open_file_handle(id, false, handle))
        return error;
    if (offset > uint64_t(INT64_MAX) || buffers.size() > IOV_MAX)
        return EINVAL;
    ssize_t count = ::preadv(handle->fd.get(), buffers.data(), int(buffers.size()), off_t(offset));
    if (count < 0)
        return errno;
    done = size_t(count);
    return 0;
}

int PassthroughFs::open_file_handle(uint64_t id, bool change, Handle*& handle)
{
    handle = m_handles.find(id);
    if (!handle)
        return EBADF;
    if (!handle->fd.valid())
        return EISDIR;
    if (change && m_exports[handle->export_index].read_only)
        return EROFS;
    if (change && !handle->writable)
        return EBADF;
    return 0;
}

int PassthroughFs::write(uint64_t id, uint64_t offset, std::vector<iovec>& buffers, size_t& done)
{
    done = 0;
    Handle* handle = nullptr;
    if (int error = open_file_handle(id, true, handle))
        return error;
    if (offset > uint64_t(INT64_MAX) || buffers.size() > IOV_MAX)
        return EINVAL;
    ssize_t count = ::pwritev(handle->fd.get(), buffers.data(), int(buffers.size()), off_t(offset));
    if (count < 0)
        return errno;
    done = size_t(count);
    return 0;
}

int PassthroughFs::fsync(uint64_t id, bool data_only)
{
    Handle* handle = m_handles.find(id);
    if (!handle)
        return EBADF;
    if (!handle->fd.valid())
        return 0;
    return (data_only ? ::fdatasync(handle->fd.get()) : ::fsync(handle->fd.get())) < 0 ? errno : 0;
}

int PassthroughFs::lseek(uint64_t id, uint64_t offset, uint32_t whence, uint64_t& out)
{
    Handle* handle = nullptr;
    if (int error = open_file_handle(id, false, handle))
        return error;
    if (offset > uint64_t(INT64_MAX) || (whence != SEEK_SET && whence != SEEK_CUR && whence != SEEK_END && whence != SEEK_DATA && whence != SEEK_HOLE))
        return EINVAL;
    off_t position = ::lseek(handle->fd.get(), off_t(offset), int(whence));
    if (position < 0)
        return errno;
    out = uint64_t(position);
    return 0;
}

int PassthroughFs::fallocate(uint64_t id, uint32_t mode, uint64_t offset, uint64_t length)
{
    // What the device thread's seccomp filter allows: allocating (extending the file or not),
    // punching holes and zeroing ranges.
    static constexpr uint32_t kModes[] = { 0, FALLOC_FL_KEEP_SIZE, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, FALLOC_FL_ZERO_RANGE,
        FALLOC_FL_ZERO_RANGE | FALLOC_FL_KEEP_SIZE };
    Handle* handle = nullptr;
    if (int error = open_file_handle(id, true, handle))
        return error;
    if (std::find(std::begin(kModes), std::end(kModes), mode) == std::end(kModes))
        return EOPNOTSUPP;
    if (offset > uint64_t(INT64_MAX) || length > uint64_t(INT64_MAX))
        return EINVAL;
    return ::fallocate(handle->fd.get(), int(mode), off_t(offset), off_t(length)) < 0 ? errno : 0;
}

int PassthroughFs::readdir(uint64_t id, uint64_t offset, uint32_t size, bool plus, std::vector<uint8_t>& out)
{
    out.clear();
    Handle* handle = m_handles.find(id);
    if (!handle)
        return EBADF;
    if (!handle->fd.valid())
        return readdir_synthetic(offset, size, plus, out);
    if (offset > uint64_t(INT64_MAX))
        return EINVAL;
    int fd = handle->fd.get();
    // Positions are the host's own d_off cookies, as this server handed them out; seeking to
    // one the guest made up lands wherever the host file system says, or fails.
    if (::lseek(fd, off_t(offset), SEEK_SET) < 0)
        return errno;
    alignas(HostDirent) uint8_t buffer[16384];
    for (;;) {
        long count = ::syscall(SYS_getdents64, fd, buffer, sizeof(buffer));
        if (count < 0)
            return out.empty() ? errno : 0;
        if (count == 0)
            return 0;
        for (long at = 0; at < count;) {
            HostDirent entry {};
            std::memcpy(&entry, buffer + at, sizeof(entry));
            if (entry.reclen <= kHostNameOffset || at + entry.reclen > count)
                return EIO;
            const char* start = reinterpret_cast<const char*>(buffer + at + kHostNameOffset);
            std::string_view name(start, strnlen(start, entry.reclen - kHostNameOffset));
            at += entry.reclen;
            if (out.size() + dirent_size(plus, name) > size)
                return 0;
            fuse_entry_out looked_up {};
            // "." and ".." go without attributes (node 0): the guest knows both already.
            if (plus && valid_name(name) && enter(fd, handle->export_index, name, looked_up) != 0)
                looked_up = {};
            append_dirent(out, size, plus ? &looked_up : nullptr, entry.ino, uint64_t(entry.off), entry.type, name);
        }
    }
}

int PassthroughFs::readdir_synthetic(uint64_t offset, uint32_t size, bool plus, std::vector<uint8_t>& out)
{
    // Positions: 0 ".", 1 "..", then one per export; each entry's off is the next position.
    for (uint64_t position = offset; position < 2 + m_exports.size(); ++position) {
        std::string_view name = position == 0 ? "." : position == 1 ? ".." : std::string_view(m_exports[position - 2].name);
        if (out.size() + dirent_size(plus, name) > size)
            break;
        fuse_entry_out entry {};
        if (plus && position >= 2 && enter_export(name, entry) != 0)
            entry = {};
        uint64_t ino = position < 2 ? InodeTable::kRootId : position + 1;
        append_dirent(out, size, plus ? &entry : nullptr, ino, position + 1, DT_DIR, name);
    }
    return 0;
}

}
