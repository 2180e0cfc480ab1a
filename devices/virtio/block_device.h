#pragma once

#include "devices/virtio/chain_io.h"
#include "devices/virtio/virtio_device.h"
#include "devices/virtio/virtio_spec.h"
#include "vmm/base/unique_fd.h"

#include <string>

namespace vmlet::virtio {

// virtio block device (virtio 1.2 §5.2) over a raw image file: read, write, flush, get-id and
// discard, served synchronously from the event loop with preadv/pwritev straight between the file
// and guest buffers. A read-only disk offers VIRTIO_BLK_F_RO and also refuses writes and discards
// itself (§5.2.6.2: IOERR), and the file is opened read-only, so a driver that ignores the bit
// still cannot change it.
class BlockDevice final : public VirtioDevice {
public:
    static constexpr uint16_t kQueueSize = 256;
    static constexpr uint64_t kSectorSize = 512;

    // Opens the image; takes an advisory lock so two VMs cannot write one image (shared for ro).
    static Result<std::unique_ptr<BlockDevice>> open(const std::string& path, bool read_only);

    uint32_t device_id() const override { return kBlockDevice; }
    uint64_t device_features() const override;
    std::vector<uint16_t> queue_max_sizes() const override { return { kQueueSize }; }
    void read_config(uint64_t offset, std::span<uint8_t> data) const override;
    Result<void> process_queue(uint16_t queue) override;
    // The disk as the guest knows it: its capacity and whether it is read-only. A restored VM
    // must be given a disk that matches both (the driver read them once, §5.2.4, §5.2.3).
    void save_state(StateWriter& writer) const override;
    Result<void> restore_state(StateReader& reader) override;

    uint64_t capacity_sectors() const { return m_capacity_sectors; }

private:
    BlockDevice(UniqueFd file, uint64_t capacity_sectors, bool read_only, std::string id)
        : m_file(std::move(file))
        , m_capacity_sectors(capacity_sectors)
        , m_read_only(read_only)
        , m_id(std::move(id))
    {
    }

    uint8_t execute(const DescriptorChain& chain, ChainWriter& writer);
    uint8_t transfer(uint32_t type, uint64_t sector, ChainReader& reader, ChainWriter& writer);
    uint8_t discard(ChainReader& reader);

    UniqueFd m_file;
    uint64_t m_capacity_sectors;
    bool m_read_only;
    std::string m_id;
    std::vector<iovec> m_iovecs; // reused between requests
};

}
