#include "vmm/vm/kernel_cmdline.h"

#include <fmt/format.h>

namespace vmlet {

// console=ttyS0: the 8250 is the console. reboot=k: reset through the i8042, which works on every
// host (a triple fault does not on PVM). panic=-1: a panic resets at once instead of hanging.
// quiet: every console byte is an exit and interpreted kernel work; ask with --cmdline to see more.
constexpr std::string_view kBaseFlags = "console=ttyS0 reboot=k panic=-1 quiet";

// What KVM's emulator on a PVM host cannot execute, kept out of the guest (shared/ENVIRONMENT.md).
// XSAVE goes through clearcpuid=xsave, not `noxsave`: Linux 6.1 looks for that word itself and never
// registers it, so the kernel hands it to init as an argument, and init ran `noxsave` as the
// command (seen on a PVM host, 2026-12-02). Every flag here must be one the kernel consumes.
std::string_view pvm_guest_flags()
{
    return "nopcid noinvpcid "
           "clearcpuid=cx16,smap,smep,fsgsbase,umip,rdpid,popcnt,xsave,xsaveopt,xsavec,xsaves,movbe,"
           "bmi1,bmi2,erms,fsrm,clflushopt,clwb,avx,avx2 "
           "vmlet.pvm";
}

static bool is_safe_byte(unsigned char byte)
{
    return (byte >= 'a' && byte <= 'z') || (byte >= 'A' && byte <= 'Z') || (byte >= '0' && byte <= '9')
        || byte == '.' || byte == '_' || byte == '/' || byte == ':' || byte == ',' || byte == '+' || byte == '@' || byte == '-';
}

std::string encode_init_argument(std::string_view argument)
{
    std::string encoded;
    for (unsigned char byte : argument) {
        if (is_safe_byte(byte))
            encoded += char(byte);
        else
            encoded += fmt::format("%{:02X}", byte);
    }
    // An empty argument must survive the kernel's split on spaces: %00 decodes to an empty C string.
    return encoded.empty() ? "%00" : encoded;
}

Result<std::string> build_kernel_command_line(HostKind host, const std::string& extra, const std::vector<std::string>& command)
{
    if (command.size() > kMaxInitArguments)
        return make_error("the command has {} arguments; the guest kernel passes at most {} to init", command.size(), kMaxInitArguments);
    std::string line(kBaseFlags);
    if (host == HostKind::Pvm)
        line += fmt::format(" {}", pvm_guest_flags());
    if (!extra.empty())
        line += fmt::format(" {}", extra);
    if (!command.empty()) {
        line += " --";
        for (const auto& argument : command)
            line += fmt::format(" {}", encode_init_argument(argument));
    }
    return line;
}

}
