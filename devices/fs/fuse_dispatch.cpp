#include "devices/fs/fuse_reply.h"
#include "devices/fs/fuse_request.h"
#include "devices/fs/fuse_server.h"

namespace vmlet::fs {

// One opcode each (linux/fuse.h). Arguments that do not parse (too short, a bad name) get EINVAL;
// what the host refuses comes back as its errno; an opcode not served gets ENOSYS, which the
// guest's FUSE remembers (xattrs, locks, ioctl, poll, copy_file_range, syncfs, DAX mappings).
uint32_t FuseServer::dispatch(const fuse_in_header& header, std::span<const uint8_t> args, std::vector<iovec>& data, std::span<const iovec> reply)
{
    RequestArgs in(args);
    uint64_t node = header.nodeid;
    auto fail = [&](int error) { return error_reply(header.unique, error, reply); };
    auto answer = [&](int error, const auto& out) { return error ? fail(error) : Reply(header.unique).object(out).send(reply); };
    auto done = [&](int error) { return error ? fail(error) : Reply(header.unique).send(reply); };
    fuse_entry_out entry {};

    switch (header.opcode) {
    case FUSE_LOOKUP: {
        auto name = in.name();
        return name ? answer(m_fs.lookup(node, *name, entry), entry) : fail(EINVAL);
    }
    case FUSE_FORGET:
        if (auto forget = in.object<fuse_forget_in>())
            m_fs.forget(node, forget->nlookup);
        return 0;
    case FUSE_BATCH_FORGET: {
        auto batch = in.object<fuse_batch_forget_in>();
        for (uint32_t index = 0; batch && index < batch->count; ++index) {
            auto one = in.object<fuse_forget_one>();
            if (!one)
                break;
            m_fs.forget(one->nodeid, one->nlookup);
        }
        return 0;
    }
    case FUSE_GETATTR: {
        fuse_attr_out out {};
        return answer(m_fs.getattr(node, out), out);
    }
    case FUSE_SETATTR: {
        auto set = in.object<fuse_setattr_in>();
        fuse_attr_out out {};
        return set ? answer(m_fs.setattr(node, *set, out), out) : fail(EINVAL);
    }
    case FUSE_READLINK: {
        std::string target;
        if (int error = m_fs.readlink(node, target))
            return fail(error);
        return Reply(header.unique).bytes({ reinterpret_cast<const uint8_t*>(target.data()), target.size() }).send(reply);
    }
    case FUSE_SYMLINK: {
        auto name = in.name();
        auto target = name ? in.path() : std::nullopt;
        return target ? answer(m_fs.symlink(node, *name, *target, entry), entry) : fail(EINVAL);
    }
    case FUSE_MKNOD: {
        auto make = in.object<fuse_mknod_in>();
        auto name = make ? in.name() : std::nullopt;
        return name ? answer(m_fs.mknod(node, *name, make->mode, make->rdev, entry), entry) : fail(EINVAL);
    }
    case FUSE_MKDIR: {
        auto make = in.object<fuse_mkdir_in>();
        auto name = make ? in.name() : std::nullopt;
        return name ? answer(m_fs.mkdir(node, *name, make->mode, entry), entry) : fail(EINVAL);
    }
    case FUSE_UNLINK:
    case FUSE_RMDIR: {
        auto name = in.name();
        if (!name)
            return fail(EINVAL);
        return done(header.opcode == FUSE_UNLINK ? m_fs.unlink(node, *name) : m_fs.rmdir(node, *name));
    }
    case FUSE_RENAME: {
        auto rename = in.object<fuse_rename_in>();
        auto old_name = rename ? in.name() : std::nullopt;
        auto new_name = old_name ? in.name() : std::nullopt;
        return new_name ? done(m_fs.rename(node, *old_name, rename->newdir, *new_name, 0)) : fail(EINVAL);
    }
    case FUSE_RENAME2: {
        auto rename = in.object<fuse_rename2_in>();
        auto old_name = rename ? in.name() : std::nullopt;
        auto new_name = old_name ? in.name() : std::nullopt;
        return new_name ? done(m_fs.rename(node, *old_name, rename->newdir, *new_name, rename->flags)) : fail(EINVAL);
    }
    case FUSE_LINK: {
        auto link = in.object<fuse_link_in>();
        auto name = link ? in.name() : std::nullopt;
        return name ? answer(m_fs.link(link->oldnodeid, node, *name, entry), entry) : fail(EINVAL);
    }
    case FUSE_OPEN:
    case FUSE_OPENDIR: {
        auto open = in.object<fuse_open_in>();
        fuse_open_out out {};
        return open ? answer(m_fs.open(node, open->flags, header.opcode == FUSE_OPENDIR, out), out) : fail(EINVAL);
    }
    case FUSE_CREATE: {
        auto create = in.object<fuse_create_in>();
        auto name = create ? in.name() : std::nullopt;
        if (!name)
            return fail(EINVAL);
        fuse_open_out open {};
        if (int error = m_fs.create(node, *name, create->flags, create->mode, entry, open))
            return fail(error);
        return Reply(header.unique).object(entry).object(open).send(reply);
    }
    case FUSE_READ: {
        auto read_in = in.object<fuse_read_in>();
        return read_in ? read(header, *read_in, reply) : fail(EINVAL);
    }
    case FUSE_WRITE: {
        auto write = in.object<fuse_write_in>();
        if (!write || write->size > kMaxWrite || total_size(data) != write->size)
            return fail(EINVAL);
        size_t written = 0;
        int error = m_fs.write(write->fh, write->offset, data, written);
        return answer(error, fuse_write_out { uint32_t(written), 0 });
    }
    case FUSE_FLUSH:
        // Nothing is buffered here; close(2) in the guest has nothing to wait for.
        return done(in.object<fuse_flush_in>() ? 0 : EINVAL);
    case FUSE_RELEASE:
    case FUSE_RELEASEDIR: {
        auto release = in.object<fuse_release_in>();
        return done(release ? m_fs.release(release->fh) : EINVAL);
    }
    case FUSE_FSYNC:
    case FUSE_FSYNCDIR: {
        auto sync = in.object<fuse_fsync_in>();
        return done(sync ? m_fs.fsync(sync->fh, (sync->fsync_flags & FUSE_FSYNC_FDATASYNC) != 0) : EINVAL);
    }
    case FUSE_READDIR:
    case FUSE_READDIRPLUS: {
        auto read_in = in.object<fuse_read_in>();
        size_t room = total_size(reply);
        if (!read_in || room < sizeof(fuse_out_header))
            return fail(EINVAL);
        uint32_t size = uint32_t(std::min<size_t>({ read_in->size, room - sizeof(fuse_out_header), kMaxWrite }));
        std::vector<uint8_t> entries;
        if (int error = m_fs.readdir(read_in->fh, read_in->offset, size, header.opcode == FUSE_READDIRPLUS, entries))
            return fail(error);
        return Reply(header.unique).bytes(entries).send(reply);
    }
    case FUSE_STATFS: {
        fuse_statfs_out out {};
        return answer(m_fs.statfs(node, out.st), out);
    }
    case FUSE_ACCESS: {
        auto access = in.object<fuse_access_in>();
        return done(access ? m_fs.access(node, access->mask) : EINVAL);
    }
    case FUSE_LSEEK: {
        auto seek = in.object<fuse_lseek_in>();
        fuse_lseek_out out {};
        return seek ? answer(m_fs.lseek(seek->fh, seek->offset, seek->whence, out.offset), out) : fail(EINVAL);
    }
    case FUSE_FALLOCATE: {
        auto allocate = in.object<fuse_fallocate_in>();
        return done(allocate ? m_fs.fallocate(allocate->fh, allocate->mode, allocate->offset, allocate->length) : EINVAL);
    }
    default:
        return fail(ENOSYS);
    }
}

}
