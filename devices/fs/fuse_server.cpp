#include "devices/fs/fuse_server.h"

#include "devices/fs/credentials.h"
#include "devices/fs/fuse_request.h"
#include "devices/fs/guest_buffers.h"
#include "devices/fs/fuse_reply.h"

#include <cstring>

namespace vmlet::fs {

namespace {

// What the server asks of the guest's FUSE (fuse_init_out.flags, linux/fuse.h), of what it offers:
// parallel reads and directory operations, READDIRPLUS (adaptively), up to kMaxPages per request,
// and symbolic link targets in the guest's page cache. Not asked: writeback caching, POSIX and
// flock locks (the guest keeps its own), FUSE_DONT_MASK (the guest applies the umask),
// FUSE_EXPORT_SUPPORT (it would bring lookups of "." and ".."), DAX (no window, §5.11.5).
constexpr uint32_t kInitFlags = FUSE_ASYNC_READ | FUSE_BIG_WRITES | FUSE_DO_READDIRPLUS | FUSE_READDIRPLUS_AUTO | FUSE_PARALLEL_DIROPS
    | FUSE_MAX_PAGES | FUSE_CACHE_SYMLINKS;

// The fixed start of fuse_init_in that every protocol minor sends.
struct InitIn {
    uint32_t major;
    uint32_t minor;
    uint32_t max_readahead;
    uint32_t flags;
};

bool needs_no_reply(uint32_t opcode) { return opcode == FUSE_FORGET || opcode == FUSE_BATCH_FORGET; }

}

uint32_t FuseServer::error_reply(uint64_t unique, int error, std::span<const iovec> reply)
{
    fuse_out_header header { sizeof(fuse_out_header), -error, unique };
    if (total_size(reply) < sizeof(header))
        return 0;
    return uint32_t(copy_into(reply, 0, { reinterpret_cast<const uint8_t*>(&header), sizeof(header) }));
}

void FuseServer::end_session()
{
    m_session = false;
    m_fs.reset();
}

uint32_t FuseServer::handle(const fuse_in_header& header, std::span<const uint8_t> args, std::vector<iovec>& data, std::span<const iovec> reply)
{
    if (header.opcode == FUSE_INIT)
        return init(header, args, reply);
    if (!m_session)
        return needs_no_reply(header.opcode) ? 0 : error_reply(header.unique, EIO, reply);
    if (header.opcode == FUSE_DESTROY) {
        end_session();
        return Reply(header.unique).send(reply);
    }
    // The first request on this thread gives it a umask of its own (credentials.h).
    if (!m_own_umask)
        m_own_umask = use_own_umask();
    ScopedCredentials credentials(m_switch_credentials, header.uid, header.gid);
    if (!credentials.ok())
        return needs_no_reply(header.opcode) ? 0 : error_reply(header.unique, EPERM, reply);
    return dispatch(header, args, data, reply);
}

uint32_t FuseServer::init(const fuse_in_header& header, std::span<const uint8_t> args, std::span<const iovec> reply)
{
    RequestArgs in(args);
    auto request = in.object<InitIn>();
    if (!request)
        return error_reply(header.unique, EINVAL, reply);
    // Version 7 only; a guest speaking an older minor gets that minor's reply size.
    if (request->major != FUSE_KERNEL_VERSION)
        return error_reply(header.unique, EPROTO, reply);
    // A second INIT starts the session over.
    end_session();
    fuse_init_out out {};
    out.major = FUSE_KERNEL_VERSION;
    out.minor = std::min<uint32_t>(request->minor, FUSE_KERNEL_MINOR_VERSION);
    out.max_readahead = request->max_readahead;
    out.flags = request->flags & kInitFlags;
    out.max_background = 64;
    out.congestion_threshold = 48;
    out.max_write = kMaxWrite;
    out.time_gran = 1;
    out.max_pages = kMaxPages;
    m_session = true;
    // Minors before 23 know a 24-byte reply.
    auto* bytes = reinterpret_cast<const uint8_t*>(&out);
    return Reply(header.unique).bytes({ bytes, out.minor < 23 ? size_t(FUSE_COMPAT_22_INIT_OUT_SIZE) : sizeof(out) }).send(reply);
}

uint32_t FuseServer::read(const fuse_in_header& header, const fuse_read_in& in, std::span<const iovec> reply)
{
    size_t room = total_size(reply);
    if (room < sizeof(fuse_out_header))
        return 0;
    size_t wanted = std::min<size_t>({ in.size, room - sizeof(fuse_out_header), kMaxWrite });
    auto buffers = slice(reply, sizeof(fuse_out_header), wanted);
    size_t done = 0;
    if (int error = m_fs.read(in.fh, in.offset, buffers, done))
        return error_reply(header.unique, error, reply);
    fuse_out_header out { uint32_t(sizeof(fuse_out_header) + done), 0, header.unique };
    copy_into(reply, 0, { reinterpret_cast<const uint8_t*>(&out), sizeof(out) });
    return out.len;
}

}
