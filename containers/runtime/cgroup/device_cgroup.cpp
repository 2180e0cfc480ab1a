#include "containers/runtime/cgroup/device_cgroup.h"

#include "vmm/base/file.h"
#include "containers/runtime/cgroup/cgroup.h"
#include "containers/runtime/cgroup/device_filter.h"

#include <fcntl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cstring>
#include <vector>

namespace vmlet {

namespace {

// The verifier's account of a refused program, for the error message.
constexpr size_t kVerifierLogSize = 1 << 16;

// The license a program declares matters only to the helpers kept for GPL programs; this one
// calls no helper.
constexpr char kProgramLicense[] = "Apache-2.0";

// The verifier's last line says why it refused a program.
std::string last_line(std::string_view log)
{
    while (!log.empty() && log.back() == '\n')
        log.remove_suffix(1);
    auto newline = log.find_last_of('\n');
    return std::string(newline == std::string_view::npos ? log : log.substr(newline + 1));
}

long bpf(int command, bpf_attr& attributes)
{
    return ::syscall(SYS_bpf, command, &attributes, sizeof attributes);
}

Result<UniqueFd> load_program(const std::vector<bpf_insn>& program)
{
    std::vector<char> log(kVerifierLogSize);
    bpf_attr attributes {};
    attributes.prog_type = BPF_PROG_TYPE_CGROUP_DEVICE;
    attributes.insn_cnt = static_cast<uint32_t>(program.size());
    attributes.insns = reinterpret_cast<uintptr_t>(program.data());
    attributes.license = reinterpret_cast<uintptr_t>(kProgramLicense);
    attributes.log_level = 1;
    attributes.log_size = static_cast<uint32_t>(log.size());
    attributes.log_buf = reinterpret_cast<uintptr_t>(log.data());
    std::strncpy(attributes.prog_name, "vmlet_devices", sizeof attributes.prog_name - 1);
    UniqueFd fd(static_cast<int>(bpf(BPF_PROG_LOAD, attributes)));
    if (!fd.valid()) {
        int error = errno;
        log.back() = '\0';
        auto why = last_line(log.data());
        return errno_error(why.empty() ? std::string("the kernel refused the device cgroup program")
                                       : fmt::format("the kernel refused the device cgroup program ({})", why),
            error);
    }
    return fd;
}

}

Result<void> confine_devices_v1(const std::string& directory, std::span<const DeviceRule> rules)
{
    TRY(write_cgroup_file(directory + "/devices.deny", "a"));
    for (const auto& rule : rules)
        TRY(write_cgroup_file(directory + "/devices.allow", device_rule_text(rule)));
    return {};
}

Result<void> confine_devices_v2(const std::string& directory, std::span<const DeviceRule> rules)
{
    auto program = TRY(load_program(device_filter_program(rules)));
    auto cgroup = TRY(open_file(directory, O_RDONLY | O_DIRECTORY));
    bpf_attr attributes {};
    attributes.target_fd = static_cast<uint32_t>(cgroup.get());
    attributes.attach_bpf_fd = static_cast<uint32_t>(program.get());
    attributes.attach_type = BPF_CGROUP_DEVICE;
    attributes.attach_flags = BPF_F_ALLOW_MULTI;
    // The cgroup holds the program from here on, and releases it when it is removed.
    if (bpf(BPF_PROG_ATTACH, attributes) < 0)
        return errno_error(fmt::format("cannot attach the device program to cgroup {}", directory));
    return {};
}

}
