#include "containers/runtime/process/capabilities.h"

#include "vmm/base/file.h"

#include <linux/capability.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <cstdlib>

namespace vmlet {

namespace {

// capabilities(7)'s names, by number.
constexpr std::array<std::string_view, CAP_CHECKPOINT_RESTORE + 1> capability_names {
    "CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_DAC_READ_SEARCH", "CAP_FOWNER", "CAP_FSETID", "CAP_KILL", "CAP_SETGID",
    "CAP_SETUID", "CAP_SETPCAP", "CAP_LINUX_IMMUTABLE", "CAP_NET_BIND_SERVICE", "CAP_NET_BROADCAST", "CAP_NET_ADMIN",
    "CAP_NET_RAW", "CAP_IPC_LOCK", "CAP_IPC_OWNER", "CAP_SYS_MODULE", "CAP_SYS_RAWIO", "CAP_SYS_CHROOT",
    "CAP_SYS_PTRACE", "CAP_SYS_PACCT", "CAP_SYS_ADMIN", "CAP_SYS_BOOT", "CAP_SYS_NICE", "CAP_SYS_RESOURCE",
    "CAP_SYS_TIME", "CAP_SYS_TTY_CONFIG", "CAP_MKNOD", "CAP_LEASE", "CAP_AUDIT_WRITE", "CAP_AUDIT_CONTROL",
    "CAP_SETFCAP", "CAP_MAC_OVERRIDE", "CAP_MAC_ADMIN", "CAP_SYSLOG", "CAP_WAKE_ALARM", "CAP_BLOCK_SUSPEND",
    "CAP_AUDIT_READ", "CAP_PERFMON", "CAP_BPF", "CAP_CHECKPOINT_RESTORE",
};
static_assert(CAP_SETFCAP == 31 && CAP_BPF == 39, "capability_names follows <linux/capability.h>");

constexpr uint64_t bit(int capability)
{
    return uint64_t(1) << capability;
}

// Docker's spelling: any case, CAP_ optional; "ALL" stays itself (moby NormalizeLegacyCapabilities).
std::string normalized(std::string_view name)
{
    std::string upper(name);
    std::transform(upper.begin(), upper.end(), upper.begin(), [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
    if (upper == "ALL" || upper.starts_with("CAP_"))
        return upper;
    return "CAP_" + upper;
}

struct Requested {
    uint64_t mask { 0 };
    bool all { false };
};

Result<Requested> requested(const std::vector<std::string>& names, std::string_view flag)
{
    Requested result;
    for (const auto& name : names) {
        auto canonical = normalized(name);
        if (canonical == "ALL") {
            result.all = true;
            continue;
        }
        auto number = capability_number(canonical);
        if (!number)
            return make_error("{}: unknown capability: \"{}\"", flag, canonical);
        result.mask |= bit(*number);
    }
    return result;
}

}

uint64_t default_container_capabilities()
{
    uint64_t mask = 0;
    for (int capability : { CAP_CHOWN, CAP_DAC_OVERRIDE, CAP_FSETID, CAP_FOWNER, CAP_MKNOD, CAP_NET_RAW, CAP_SETGID,
             CAP_SETUID, CAP_SETFCAP, CAP_SETPCAP, CAP_NET_BIND_SERVICE, CAP_SYS_CHROOT, CAP_KILL, CAP_AUDIT_WRITE })
        mask |= bit(capability);
    return mask;
}

std::optional<int> capability_number(std::string_view name)
{
    auto found = std::find(capability_names.begin(), capability_names.end(), name);
    if (found == capability_names.end())
        return std::nullopt;
    return static_cast<int>(found - capability_names.begin());
}

Result<int> last_capability()
{
    auto text = TRY(read_small_file("/proc/sys/kernel/cap_last_cap", 64));
    return std::atoi(text.c_str());
}

Result<uint64_t> available_capabilities()
{
    int last = TRY(last_capability());
    struct __user_cap_header_struct header {};
    header.version = _LINUX_CAPABILITY_VERSION_3;
    struct __user_cap_data_struct data[2] {};
    if (::syscall(SYS_capget, &header, data) < 0)
        return errno_error("capget");
    uint64_t permitted = uint64_t(data[0].permitted) | uint64_t(data[1].permitted) << 32;
    uint64_t known = last >= 63 ? ~uint64_t(0) : bit(last + 1) - 1;
    return permitted & known;
}

Result<uint64_t> container_capabilities(const SecurityOptions& options, uint64_t available)
{
    auto added = TRY(requested(options.cap_add, "--cap-add"));
    auto dropped = TRY(requested(options.cap_drop, "--cap-drop"));
    if (options.privileged)
        return available;
    if (uint64_t missing = added.mask & ~available)
        return make_error("--cap-add: {} cannot be given: vmlet itself does not hold it on this host",
            capability_names[static_cast<size_t>(__builtin_ctzll(missing))]);
    if (added.all)
        return available & ~dropped.mask;
    if (dropped.all)
        return added.mask;
    return (default_container_capabilities() & available & ~dropped.mask) | added.mask;
}

bool drop_bounding_capabilities(uint64_t mask, int last)
{
    for (int capability = 0; capability <= last && capability < 64; ++capability) {
        if (!(mask & bit(capability)) && ::prctl(PR_CAPBSET_DROP, capability, 0, 0, 0) < 0)
            return false;
    }
    return true;
}

bool set_capabilities(uint64_t mask)
{
    struct __user_cap_header_struct header {};
    header.version = _LINUX_CAPABILITY_VERSION_3;
    struct __user_cap_data_struct data[2] {};
    for (int word = 0; word < 2; ++word) {
        auto bits = static_cast<uint32_t>(mask >> (32 * word));
        data[word].effective = bits;
        data[word].permitted = bits;
        data[word].inheritable = 0;
    }
    return ::syscall(SYS_capset, &header, data) == 0 && ::prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) == 0;
}

}
