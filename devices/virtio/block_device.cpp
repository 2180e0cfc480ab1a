#include "devices/virtio/block_device.h"

#include "devices/virtio/virtio_spec.h"
#include "vmm/base/checked_math.h"

#include <fcntl.h>
#include <limits.h>
#include <sys/file.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>

namespace vmlet::virtio {

namespace {

// §5.2.3 feature bits.
constexpr uint32_t kFeatureSegMax = 2;
constexpr uint32_t kFeatureReadOnly = 5;
constexpr uint32_t kFeatureFlush = 9;
constexpr uint32_t kFeatureDiscard = 13;

// §5.2.6 request types and status values.
enum RequestType : uint32_t {
    kRequestIn = 0,
    kRequestOut = 1,
    kRequestFlush = 4,
    kRequestGetId = 8,
    kRequestDiscard = 11,
};
enum RequestStatus : uint8_t {
    kStatusOk = 0,
    kStatusIoError = 1,
    kStatusUnsupported = 2,
};

struct RequestHeader {
    uint32_t type;
    uint32_t reserved;
    uint64_t sector;
};
static_assert(sizeof(RequestHeader) == 16);

// §5.2.6 struct virtio_blk_discard_write_zeroes.
struct DiscardSegment {
    uint64_t sector;
    uint32_t sectors;
    uint32_t flags;
};

// §5.2.4 configuration layout: the fields vmlet fills.
constexpr uint64_t kConfigCapacity = 0;
constexpr uint64_t kConfigSegMax = 12;
constexpr uint64_t kConfigMaxDiscardSectors = 36;
constexpr uint64_t kConfigMaxDiscardSegments = 40;
constexpr uint64_t kConfigDiscardAlignment = 44;
constexpr uint64_t kConfigSize = 60;

constexpr uint32_t kSegMax = BlockDevice::kQueueSize - 2; // leaves room for header and status
constexpr size_t kGetIdBytes = 20;                         // VIRTIO_BLK_ID_BYTES

// preadv/pwritev the whole of `iovecs` at `offset`, IOV_MAX at a time; false on error or short I/O.
template<typename Io>
bool transfer_all(Io io, int fd, std::vector<iovec>& iovecs, uint64_t offset)
{
    size_t first = 0;
    while (first < iovecs.size()) {
        int count = int(std::min<size_t>(iovecs.size() - first, IOV_MAX));
        size_t expected = 0;
        for (int index = 0; index < count; ++index)
            expected += iovecs[first + size_t(index)].iov_len;
        ssize_t done = io(fd, iovecs.data() + first, count, off_t(offset));
        if (done < 0 || size_t(done) != expected)
            return false;
        offset += expected;
        first += size_t(count);
    }
    return true;
}

}

Result<std::unique_ptr<BlockDevice>> BlockDevice::open(const std::string& path, bool read_only)
{
    int fd = ::open(path.c_str(), (read_only ? O_RDONLY : O_RDWR) | O_CLOEXEC);
    if (fd < 0)
        return errno_error(fmt::format("disk {}", path));
    UniqueFd file(fd);
    if (::flock(fd, (read_only ? LOCK_SH : LOCK_EX) | LOCK_NB) < 0)
        return make_error("disk {} is in use by another process", path);
    off_t size = ::lseek(fd, 0, SEEK_END);
    if (size < 0)
        return errno_error(fmt::format("disk {}", path));
    if (size < off_t(kSectorSize))
        return make_error("disk {} is smaller than one sector", path);
    auto id = std::filesystem::path(path).filename().string().substr(0, kGetIdBytes);
    return std::unique_ptr<BlockDevice>(new BlockDevice(std::move(file), uint64_t(size) / kSectorSize, read_only, id));
}

uint64_t BlockDevice::device_features() const
{
    uint64_t features = feature(kFeatureSegMax) | feature(kFeatureFlush);
    features |= m_read_only ? feature(kFeatureReadOnly) : feature(kFeatureDiscard);
    return features;
}

void BlockDevice::read_config(uint64_t offset, std::span<uint8_t> data) const
{
    if (offset >= kConfigSize)
        return;
    copy_config_field(offset, data, kConfigCapacity, m_capacity_sectors);
    copy_config_field(offset, data, kConfigSegMax, kSegMax);
    copy_config_field(offset, data, kConfigMaxDiscardSectors, uint32_t(std::min<uint64_t>(m_capacity_sectors, UINT32_MAX)));
    copy_config_field(offset, data, kConfigMaxDiscardSegments, uint32_t(1));
    copy_config_field(offset, data, kConfigDiscardAlignment, uint32_t(8)); // 4 KiB, the host's hole granularity
}

void BlockDevice::save_state(StateWriter& writer) const
{
    writer.u64(m_capacity_sectors);
    writer.boolean(m_read_only);
}

Result<void> BlockDevice::restore_state(StateReader& reader)
{
    auto capacity = TRY(reader.u64("capacity"));
    auto read_only = TRY(reader.boolean("read-only"));
    // The guest sized its disk from the configuration when it probed; a disk of another size
    // would change under it (and a file system past its end would read errors).
    if (capacity != m_capacity_sectors)
        return reader.failure("capacity", fmt::format("is {} sectors, but the disk given now has {}", capacity, m_capacity_sectors));
    if (read_only != m_read_only)
        return reader.failure("read-only", read_only ? "is set, but the disk given now is writable" : "is clear, but the disk given now is read-only");
    return {};
}

Result<void> BlockDevice::process_queue(uint16_t queue)
{
    auto& requests = context().queue(queue);
    for (;;) {
        auto chain = TRY(requests.next());
        if (!chain)
            break;
        ChainWriter writer(chain->writable);
        // §5.2.6.1: the status byte is the last device-writable byte. A chain without one cannot
        // be answered; it is returned with nothing written.
        if (chain->writable_bytes == 0) {
            TRY(requests.push_used(chain->head, 0));
            continue;
        }
        uint8_t status = execute(*chain, writer);
        // Skip to the status byte whatever the request wrote (or did not) before it.
        m_iovecs.clear();
        (void)writer.take(writer.remaining() - 1, m_iovecs);
        (void)writer.write_object(status);
        TRY(requests.push_used(chain->head, writer.written()));
    }
    return notify_used(queue);
}

uint8_t BlockDevice::execute(const DescriptorChain& chain, ChainWriter& writer)
{
    ChainReader reader(chain.readable);
    RequestHeader header {};
    if (!reader.read_object(header))
        return kStatusIoError;
    switch (header.type) {
    case kRequestIn:
    case kRequestOut:
        return transfer(header.type, header.sector, reader, writer);
    case kRequestFlush:
        return m_read_only || ::fdatasync(m_file.get()) == 0 ? kStatusOk : kStatusIoError;
    case kRequestGetId: {
        if (writer.remaining() - 1 < kGetIdBytes)
            return kStatusIoError;
        uint8_t id[kGetIdBytes] = {};
        std::copy(m_id.begin(), m_id.end(), id);
        writer.write(id);
        return kStatusOk;
    }
    case kRequestDiscard:
        return m_read_only ? uint8_t(kStatusIoError) : discard(reader);
    default:
        return kStatusUnsupported;
    }
}

uint8_t BlockDevice::transfer(uint32_t type, uint64_t sector, ChainReader& reader, ChainWriter& writer)
{
    uint64_t length = type == kRequestIn ? writer.remaining() - 1 : reader.remaining();
    // §5.2.6.1: data is a multiple of 512 bytes and lies within the capacity.
    auto first_byte = checked_mul(sector, kSectorSize);
    if (length % kSectorSize != 0 || !first_byte || !range_fits(*first_byte, length, m_capacity_sectors * kSectorSize))
        return kStatusIoError;
    m_iovecs.clear();
    if (type == kRequestIn) {
        writer.take(length, m_iovecs);
        return transfer_all(::preadv, m_file.get(), m_iovecs, *first_byte) ? kStatusOk : kStatusIoError;
    }
    if (m_read_only)
        return kStatusIoError;
    reader.take(length, m_iovecs);
    return transfer_all(::pwritev, m_file.get(), m_iovecs, *first_byte) ? kStatusOk : kStatusIoError;
}

uint8_t BlockDevice::discard(ChainReader& reader)
{
    DiscardSegment segment {};
    if (!reader.read_object(segment))
        return kStatusIoError;
    auto offset = checked_mul(segment.sector, kSectorSize);
    uint64_t length = uint64_t(segment.sectors) * kSectorSize;
    if (segment.flags != 0 || !offset || !range_fits(*offset, length, m_capacity_sectors * kSectorSize))
        return kStatusIoError;
    // A hole reads back as zeros, as §5.2.6.2 allows for discarded sectors.
    if (::fallocate(m_file.get(), FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, off_t(*offset), off_t(length)) < 0)
        return errno == EOPNOTSUPP ? kStatusUnsupported : kStatusIoError;
    return kStatusOk;
}

}
