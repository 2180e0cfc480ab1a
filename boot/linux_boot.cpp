#include "boot/linux_boot.h"

#include "boot/e820.h"
#include "boot/kernel_loader.h"
#include "boot/layout.h"
#include "boot/long_mode.h"
#include "boot/mptable.h"
#include "boot/pvh_start_info.h"
#include "boot/zero_page.h"

#include <algorithm>

namespace vmlet {

constexpr uint64_t kPageSize = 4096;

static Result<BootModule> write_command_line(const GuestMemory& memory, const LoadedKernel& kernel, const std::string& command_line)
{
    uint64_t size = command_line.size() + 1;
    uint64_t limit = std::min(kernel.command_line_max, layout::kCommandLineMaxSize);
    if (size > limit)
        return make_error("kernel command line is {} bytes; this kernel accepts at most {}", command_line.size(), limit - 1);
    auto target = TRY(memory.span(GuestAddress(layout::kCommandLineAddress), size));
    std::copy(command_line.begin(), command_line.end(), target.begin());
    target[command_line.size()] = 0;
    return BootModule { layout::kCommandLineAddress, size };
}

// boot.rst: the initrd goes as high as allowed (below initrd_addr_max and the end of low RAM),
// page-aligned, and must not overlap the kernel.
static Result<BootModule> place_initrd(const GuestMemory& memory, const LoadedKernel& kernel, std::span<const uint8_t> initrd)
{
    uint64_t top = std::min(layout::low_ram_end(memory), kernel.initrd_address_max + 1);
    auto kernel_end = align_up(kernel.image_end, kPageSize);
    if (!kernel_end || initrd.size() > top || align_down(top - initrd.size(), kPageSize) < *kernel_end)
        return make_error("initrd of {} KiB does not fit in guest memory above the kernel", initrd.size() >> 10);
    uint64_t address = align_down(top - initrd.size(), kPageSize);
    TRY(memory.write(GuestAddress(address), initrd));
    return BootModule { address, initrd.size() };
}

Result<LinuxBoot> load_linux(const GuestMemory& memory, const LinuxBootSpec& spec)
{
    auto kernel = TRY(load_kernel(memory, spec.kernel));
    if (kernel.protocol == EntryProtocol::Linux64 && kernel.entry >= layout::kIdentityMappedSize)
        return make_error("kernel entry {:#x} lies above the identity-mapped first GiB", kernel.entry);
    auto command_line = TRY(write_command_line(memory, kernel, spec.command_line));
    std::optional<BootModule> initrd;
    if (spec.initrd)
        initrd = TRY(place_initrd(memory, kernel, *spec.initrd));
    auto e820 = build_e820(memory);
    TRY(write_mptable(memory, layout::kMpTableAddress, spec.cpu_count));

    uint64_t boot_info;
    if (kernel.protocol == EntryProtocol::Pvh) {
        boot_info = layout::kPvhStartInfoAddress;
        TRY(write_pvh_start_info(memory, boot_info, command_line, initrd, e820));
    } else {
        boot_info = layout::kZeroPageAddress;
        TRY(write_zero_page(memory, boot_info, kernel, command_line, initrd, e820));
    }
    auto cpu = TRY(setup_boot_cpu(memory, kernel, boot_info));
    return LinuxBoot { cpu, kernel.protocol };
}

}
