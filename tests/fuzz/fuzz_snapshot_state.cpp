// Fuzzes the reading of a snapshot's state file (vmm/snapshot/snapshot_file.cpp, machine_shape.cpp;
// vmm/kvm/vcpu_state.cpp, vm_state.cpp): a file that `vmlet restore` is given may be truncated,
// altered or made up, and everything in it is checked before KVM or a device sees it.
// Input: a state file's bytes. They are read twice: as they are (the framing, versions and
// checksum), and as the payload of a file framed here, so that the fuzzer reaches the sections
// behind the checksum.
// Checks: nothing crashes; a machine shape that is accepted writes back to the bytes it was read
// from.
#include "tests/fuzz/fuzz_check.h"
#include "vmm/base/state_stream.h"
#include "vmm/kvm/vcpu_state.h"
#include "vmm/kvm/vm_state.h"
#include "vmm/snapshot/machine_shape.h"
#include "vmm/snapshot/snapshot_file.h"

#include <fmt/format.h>

#include <cstdint>
#include <vector>

using namespace vmlet;
using vmlet::fuzz_support::check;

namespace {

void read_sections(const std::vector<uint8_t>& payload)
{
    StateReader reader(payload);
    auto machine = reader.section("machine");
    if (!machine.ok())
        return;
    auto section = machine.value();
    auto shape = read_machine_shape(section);
    if (shape.ok()) {
        StateWriter writer;
        write_machine_shape(writer, shape.value());
        StateReader again(writer.data());
        auto reread = read_machine_shape(again);
        check(reread.ok() && again.at_end(), "a machine shape read back reads again");
    }
    auto platform = reader.section("platform");
    if (!platform.ok())
        return;
    (void)read_platform_state(platform.value());
    for (uint32_t index = 0; index < 4; ++index) {
        auto vcpu = reader.section(fmt::format("vcpu {}", index));
        if (!vcpu.ok())
            return;
        (void)read_vcpu_state(vcpu.value());
    }
}

}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
    std::vector<uint8_t> bytes(data, data + size);
    auto payload = unframe_snapshot_state(bytes, "state");
    if (payload.ok())
        read_sections(payload.value());
    auto framed = unframe_snapshot_state(frame_snapshot_state(bytes), "state");
    check(framed.ok() && framed.value() == bytes, "a framed payload unframes to itself");
    read_sections(bytes);
    return 0;
}
