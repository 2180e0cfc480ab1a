#include "vmm/snapshot/restore.h"

#include "boot/layout.h"
#include "vmm/base/file.h"
#include "vmm/base/state_stream.h"
#include "vmm/kvm/snapshot_capabilities.h"
#include "vmm/kvm/vcpu_state.h"
#include "vmm/kvm/vm_state.h"
#include "vmm/snapshot/machine_shape.h"
#include "vmm/snapshot/snapshot_file.h"

#include <fcntl.h>
#include <sys/stat.h>

#include <algorithm>

namespace vmlet {

namespace {

Result<MachineShape> apply_overrides(MachineShape shape, const RestoreOverrides& overrides)
{
    auto& config = shape.config;
    if (overrides.disks) {
        if (overrides.disks->size() != config.disks.size())
            return make_error("the snapshot has {} disk(s); --disk was given {} time(s)", config.disks.size(), overrides.disks->size());
        config.disks = *overrides.disks;
    }
    if (overrides.nets) {
        if (overrides.nets->size() != config.nets.size())
            return make_error("the snapshot has {} network interface(s); --net was given {} time(s)", config.nets.size(), overrides.nets->size());
        for (size_t index = 0; index < config.nets.size(); ++index) {
            // The guest's driver knows its interface's MAC already: a restore cannot change it.
            auto mac = config.nets[index].mac;
            const auto& given = (*overrides.nets)[index];
            if (given.mac && given.mac != mac)
                return make_error("--net: the guest's interface {} has its MAC from the snapshot; mac= cannot change it", index);
            config.nets[index] = given;
            config.nets[index].mac = mac;
        }
    }
    if (overrides.vsock) {
        if (!config.vsock)
            return make_error("the snapshot has no vsock device; --vsock cannot add one");
        config.vsock = *overrides.vsock;
    }
    for (const auto& share : overrides.shares) {
        auto saved = std::find_if(config.shares.begin(), config.shares.end(), [&](const auto& known) { return known.tag == share.tag; });
        if (saved == config.shares.end())
            return make_error("--share: the snapshot has no share tagged '{}'", share.tag);
        saved->exports = share.exports;
    }
    config.kvm_device = overrides.kvm_device;
    return shape;
}

Result<UniqueFd> open_memory_file(const std::string& path, uint64_t expected)
{
    auto fd = TRY(open_file(path, O_RDONLY));
    struct stat status {};
    if (::fstat(fd.get(), &status) < 0)
        return errno_error(path);
    if (!S_ISREG(status.st_mode) || static_cast<uint64_t>(status.st_size) != expected)
        return make_error("{} is {} bytes; the snapshot's guest RAM is {}", path, status.st_size, expected);
    return fd;
}

Result<void> restore_parts(Machine& machine, StateReader& payload)
{
    auto platform_section = TRY(payload.section("platform"));
    auto platform = TRY(read_platform_state(platform_section));
    TRY(platform_section.expect_end());
    TRY(machine.vm().restore_platform(platform));
    for (auto& vcpu : machine.vcpus()) {
        auto section = TRY(payload.section(fmt::format("vcpu {}", vcpu.index())));
        auto state = TRY(read_vcpu_state(section));
        TRY(section.expect_end());
        TRY(vcpu.restore_state(state));
    }
    auto serial = TRY(payload.section("serial"));
    TRY(machine.legacy().serial.restore_state(serial));
    TRY(serial.expect_end());
    auto virtio = TRY(payload.section("virtio"));
    TRY(machine.virtio().restore_state(virtio));
    TRY(virtio.expect_end());
    return payload.expect_end();
}

}

Result<RestoredMachine> restore_machine(const std::string& directory, const RestoreOverrides& overrides)
{
    auto state_path = directory + "/" + kSnapshotStateFile;
    auto file = TRY(read_small_file(state_path, kMaxSnapshotState));
    auto payload_bytes = TRY(unframe_snapshot_state({ file.begin(), file.end() }, state_path));
    StateReader payload(payload_bytes, state_path);
    auto machine_section = TRY(payload.section("machine"));
    auto shape = TRY(read_machine_shape(machine_section));
    TRY(machine_section.expect_end());
    shape = TRY(apply_overrides(std::move(shape), overrides));
    TRY(validate_config(shape.config));

    auto regions = layout::ram_regions(shape.config.memory_mib << 20);
    uint64_t ram = 0;
    for (const auto& region : regions)
        ram += region.size;
    auto memory_fd = TRY(open_memory_file(directory + "/" + kSnapshotMemoryFile, ram));
    auto memory = TRY(GuestMemory::map_file(regions, memory_fd.get()));

    auto machine = TRY(Machine::create(shape.config, std::move(memory)));
    TRY(check_snapshot_support(machine->kvm()));
    if (cpuid_checksum(machine->cpuid()) != shape.cpuid_checksum)
        return make_error("{} was taken on another kind of machine: this host gives its vCPUs other CPUID", directory);
    TRY(restore_parts(*machine, payload));
    if (shape.init_reached)
        machine->stop().mark_init_reached();
    TRY(machine->virtio().after_restore());
    return RestoredMachine { std::move(machine), shape.console_input };
}

}
