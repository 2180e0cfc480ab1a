#pragma once

#include "devices/fs/export.h"
#include "devices/fs/fuse_server.h"
#include "devices/virtio/chain_io.h"
#include "devices/virtio/virtio_device.h"
#include "devices/virtio/virtio_spec.h"

#include <memory>
#include <string>

namespace vmlet::virtio {

// virtio file-system device (virtio 1.2 §5.11): a share the guest mounts by its tag
// (`mount -t virtiofs TAG DIR`), served in this process by vmlet's own FUSE server on the
// device thread (devices/fs), the way crosvm does it, with no virtiofsd and no DAX window: guest
// RAM stays private to the VM, as snapshots need. One high-priority queue (FORGET) and one
// request queue (§5.11.2); no notification queue (VIRTIO_FS_F_NOTIFICATION is not offered).
// Requests are answered in order, one at a time; a malformed request gets an error reply and a
// malformed queue makes the transport set DEVICE_NEEDS_RESET.
class FsDevice final : public VirtioDevice {
public:
    static constexpr uint16_t kQueueSize = 256;
    static constexpr uint16_t kHighPriorityQueue = 0;
    static constexpr uint16_t kRequestQueue = 1;
    // §5.11.4: the tag is up to 36 bytes, NUL-padded.
    static constexpr size_t kMaxTag = 36;

    // Opens every export's directory and /proc/self/fd (before any jail). A tag must be 1 to 36
    // bytes of printable ASCII without ',' or ':' (what --share can carry).
    static Result<std::unique_ptr<FsDevice>> create(std::string tag, const std::vector<fs::ExportConfig>& exports);

    uint32_t device_id() const override { return kFsDevice; }
    uint64_t device_features() const override { return 0; }
    std::vector<uint16_t> queue_max_sizes() const override { return { kQueueSize, kQueueSize }; }
    void read_config(uint64_t offset, std::span<uint8_t> data) const override;
    void reset() override;
    Result<void> process_queue(uint16_t queue) override;

    // A snapshot keeps the tag, which the guest read once (§5.11.4) and mounts by; the exports
    // come from the restore's own configuration. A FUSE session cannot cross a snapshot: the
    // guest's node IDs name host descriptors of this process, so a snapshot is refused while the
    // guest has the share mounted.
    Result<void> check_snapshot() const override;
    void save_state(StateWriter& writer) const override;
    Result<void> restore_state(StateReader& reader) override;

    const std::string& tag() const { return m_tag; }

private:
    FsDevice(std::string tag, fs::FuseServer server)
        : m_tag(std::move(tag))
        , m_server(std::move(server))
    {
    }

    // One request: parsed from the chain's readable part (§5.11.6), answered in its writable part.
    uint32_t serve(const DescriptorChain& chain);

    std::string m_tag;
    fs::FuseServer m_server;
    // Reused between requests.
    std::vector<uint8_t> m_args;
    std::vector<iovec> m_data;
    std::vector<iovec> m_reply;
};

}
