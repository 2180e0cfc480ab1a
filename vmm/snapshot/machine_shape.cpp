#include "vmm/snapshot/machine_shape.h"

#include "vmm/base/crc32c.h"

namespace vmlet {

namespace {

constexpr size_t kMaxPath = 4096;
constexpr size_t kMaxDevices = 32;
constexpr size_t kMaxTag = 36;    // virtio 1.2 §5.11.4
constexpr size_t kMaxName = 255;  // NAME_MAX
constexpr size_t kMaxExports = 64;

}

uint32_t cpuid_checksum(const std::vector<std::vector<kvm_cpuid_entry2>>& cpuid)
{
    uint32_t crc = 0;
    for (const auto& entries : cpuid)
        crc = crc32c({ reinterpret_cast<const uint8_t*>(entries.data()), entries.size() * sizeof(kvm_cpuid_entry2) }, crc);
    return crc;
}

MachineShape shape_of(Machine& machine)
{
    return { machine.config(), cpuid_checksum(machine.cpuid()), machine.stop().init_reached_at().has_value(), machine.config().command.empty() };
}

void write_machine_shape(StateWriter& writer, const MachineShape& shape)
{
    const auto& config = shape.config;
    writer.u32(config.cpus);
    writer.u64(config.memory_mib);
    writer.u32(shape.cpuid_checksum);
    writer.boolean(shape.init_reached);
    writer.boolean(shape.console_input);
    writer.u8(config.console == ConsoleKind::Virtio ? 1 : 0);
    writer.u32(static_cast<uint32_t>(config.disks.size()));
    for (const auto& disk : config.disks) {
        writer.string(disk.path);
        writer.boolean(disk.read_only);
    }
    writer.u32(static_cast<uint32_t>(config.nets.size()));
    for (const auto& net : config.nets) {
        // A tap by descriptor (fd=N) means nothing to another process: it is saved as "auto", and
        // a restore takes another tap with --net (the template of a VM container does, fd=N).
        writer.string(net.tap);
        writer.boolean(net.mac.has_value());
        for (uint8_t byte : net.mac.value_or(std::array<uint8_t, 6> {}))
            writer.u8(byte);
    }
    writer.boolean(config.vsock.has_value());
    if (config.vsock) {
        writer.u32(config.vsock->guest_cid);
        writer.string(config.vsock->socket_path);
    }
    writer.u32(static_cast<uint32_t>(config.shares.size()));
    for (const auto& share : config.shares) {
        writer.string(share.tag);
        writer.u32(static_cast<uint32_t>(share.exports.size()));
        for (const auto& exported : share.exports) {
            writer.string(exported.host_directory);
            writer.string(exported.name);
            writer.boolean(exported.read_only);
        }
    }
}

Result<MachineShape> read_machine_shape(StateReader& reader)
{
    MachineShape shape;
    auto& config = shape.config;
    config.cpus = TRY(reader.u32("vCPUs"));
    config.memory_mib = TRY(reader.u64("memory"));
    shape.cpuid_checksum = TRY(reader.u32("CPUID checksum"));
    shape.init_reached = TRY(reader.boolean("init started"));
    shape.console_input = TRY(reader.boolean("console input"));
    auto console = TRY(reader.u8("console"));
    if (console > 1)
        return reader.failure("console", fmt::format("is {}, not 0 or 1", console));
    config.console = console ? ConsoleKind::Virtio : ConsoleKind::Serial;
    auto disks = TRY(reader.u32("disk count"));
    if (disks > kMaxDevices)
        return reader.failure("disk count", fmt::format("is {}", disks));
    for (uint32_t index = 0; index < disks; ++index) {
        DiskConfig disk;
        disk.path = TRY(reader.string("disk path", kMaxPath));
        disk.read_only = TRY(reader.boolean("disk read-only"));
        config.disks.push_back(std::move(disk));
    }
    auto nets = TRY(reader.u32("network count"));
    if (nets > kMaxDevices)
        return reader.failure("network count", fmt::format("is {}", nets));
    for (uint32_t index = 0; index < nets; ++index) {
        NetConfig net;
        net.tap = TRY(reader.string("tap name", 16));
        bool has_mac = TRY(reader.boolean("has a MAC"));
        std::array<uint8_t, 6> mac {};
        for (auto& byte : mac)
            byte = TRY(reader.u8("MAC"));
        if (has_mac)
            net.mac = mac;
        config.nets.push_back(std::move(net));
    }
    if (TRY(reader.boolean("has vsock"))) {
        VsockConfig vsock;
        vsock.guest_cid = TRY(reader.u32("vsock CID"));
        vsock.socket_path = TRY(reader.string("vsock socket", kMaxPath));
        config.vsock = std::move(vsock);
    }
    auto shares = TRY(reader.u32("share count"));
    if (shares > kMaxDevices)
        return reader.failure("share count", fmt::format("is {}", shares));
    for (uint32_t index = 0; index < shares; ++index) {
        ShareConfig share;
        share.tag = TRY(reader.string("share tag", kMaxTag));
        auto exports = TRY(reader.u32("export count"));
        if (exports > kMaxExports)
            return reader.failure("export count", fmt::format("is {}", exports));
        for (uint32_t at = 0; at < exports; ++at) {
            fs::ExportConfig exported;
            exported.host_directory = TRY(reader.string("shared directory", kMaxPath));
            exported.name = TRY(reader.string("export name", kMaxName));
            exported.read_only = TRY(reader.boolean("export read-only"));
            share.exports.push_back(std::move(exported));
        }
        config.shares.push_back(std::move(share));
    }
    return shape;
}

}
