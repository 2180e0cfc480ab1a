#pragma once

#include "devices/fs/passthrough_fs.h"

#include <linux/fuse.h>
#include <sys/uio.h>

#include <span>
#include <vector>

namespace vmlet::fs {

// The FUSE protocol (linux/fuse.h, version 7) as virtio-fs carries it (virtio 1.2 §5.11.6: each
// request is a fuse_in_header and its arguments in device-readable buffers, and the reply a
// fuse_out_header and its payload in device-writable ones), served by a PassthroughFs. A session
// begins with INIT and ends with DESTROY; any other request outside one gets EIO. Every request
// runs with the caller's uid and gid as the thread's file-system IDs (credentials.h).
class FuseServer {
public:
    // The largest WRITE and READ: 256 KiB, 64 pages (FUSE_MAX_PAGES), within what one chain of
    // our queue carries with indirect descriptors.
    static constexpr uint32_t kMaxWrite = 256 * 1024;
    static constexpr uint32_t kMaxPages = kMaxWrite / 4096;

    FuseServer(PassthroughFs fs, bool switch_credentials)
        : m_fs(std::move(fs))
        , m_switch_credentials(switch_credentials)
    {
    }

    // Serves one request: `header`; `args`, its argument bytes (copied from the guest; for WRITE
    // only the fuse_write_in); `data`, WRITE's payload in guest memory; `reply`, the writable
    // buffers. Answers how many bytes of `reply` it wrote: 0 for FORGET and BATCH_FORGET, which
    // have no reply, or when the buffers cannot hold even a header.
    uint32_t handle(const fuse_in_header& header, std::span<const uint8_t> args, std::vector<iovec>& data, std::span<const iovec> reply);
    // A reply of `error` alone, for a request that could not be parsed at all.
    static uint32_t error_reply(uint64_t unique, int error, std::span<const iovec> reply);

    // Whether the guest has a session (INIT seen, no DESTROY since).
    bool session_active() const { return m_session; }
    // Ends the session and forgets every node and handle (DESTROY, a device reset).
    void end_session();

private:
    uint32_t dispatch(const fuse_in_header& header, std::span<const uint8_t> args, std::vector<iovec>& data, std::span<const iovec> reply);
    uint32_t init(const fuse_in_header& header, std::span<const uint8_t> args, std::span<const iovec> reply);
    uint32_t read(const fuse_in_header& header, const fuse_read_in& in, std::span<const iovec> reply);

    PassthroughFs m_fs;
    bool m_switch_credentials;
    bool m_session { false };
    bool m_own_umask { false };
};

}
