#include "vmm/snapshot/snapshot_file.h"

#include "vmm/base/crc32c.h"
#include "vmm/base/state_stream.h"

#include <cstring>

namespace vmlet {

namespace {

constexpr char kMagic[8] = { 'V', 'M', 'L', 'E', 'T', 'S', 'N', 'P' };

}

std::string snapshot_vmlet_version()
{
    return VMLET_VERSION;
}

std::vector<uint8_t> frame_snapshot_state(const std::vector<uint8_t>& payload)
{
    StateWriter writer;
    for (char c : kMagic)
        writer.u8(static_cast<uint8_t>(c));
    writer.u32(kSnapshotFormatVersion);
    writer.string(snapshot_vmlet_version());
    writer.bytes(payload);
    auto bytes = writer.data();
    auto checksum = crc32c(bytes);
    for (int i = 0; i < 4; ++i)
        bytes.push_back(static_cast<uint8_t>(checksum >> (8 * i)));
    return bytes;
}

Result<std::vector<uint8_t>> unframe_snapshot_state(const std::vector<uint8_t>& file, const std::string& path)
{
    if (file.size() < sizeof(kMagic) + 4 || std::memcmp(file.data(), kMagic, sizeof(kMagic)) != 0)
        return make_error("{} is not a vmlet snapshot", path);
    std::span<const uint8_t> body(file.data(), file.size() - 4);
    uint32_t stored = 0;
    for (int i = 0; i < 4; ++i)
        stored |= uint32_t(file[file.size() - 4 + i]) << (8 * i);
    StateReader reader(body.subspan(sizeof(kMagic)), path);
    auto format = TRY(reader.u32("format version"));
    if (format != kSnapshotFormatVersion)
        return make_error("{} is in snapshot format {}; this vmlet reads format {}", path, format, kSnapshotFormatVersion);
    auto version = TRY(reader.string("vmlet version", 64));
    if (version != snapshot_vmlet_version())
        return make_error("{} was written by vmlet {}; this is vmlet {}", path, version, snapshot_vmlet_version());
    if (crc32c(body) != stored)
        return make_error("{} is corrupt: its checksum does not match", path);
    auto payload = TRY(reader.bytes("payload", kMaxSnapshotState));
    TRY(reader.expect_end());
    return std::vector<uint8_t>(payload.begin(), payload.end());
}

}
