#include "containers/runtime/process/capabilities.h"

#include "vmm/base/file.h"

#include <linux/capability.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cstdlib>

namespace vmlet {

uint64_t default_container_capabilities()
{
    uint64_t mask = 0;
    for (int capability : { CAP_CHOWN, CAP_DAC_OVERRIDE, CAP_FSETID, CAP_FOWNER, CAP_MKNOD, CAP_NET_RAW, CAP_SETGID,
             CAP_SETUID, CAP_SETFCAP, CAP_SETPCAP, CAP_NET_BIND_SERVICE, CAP_SYS_CHROOT, CAP_KILL, CAP_AUDIT_WRITE })
        mask |= uint64_t(1) << capability;
    return mask;
}

Result<int> last_capability()
{
    auto text = TRY(read_small_file("/proc/sys/kernel/cap_last_cap", 64));
    return std::atoi(text.c_str());
}

bool drop_bounding_capabilities(uint64_t mask, int last)
{
    for (int capability = 0; capability <= last && capability < 64; ++capability) {
        if (!(mask & (uint64_t(1) << capability)) && ::prctl(PR_CAPBSET_DROP, capability, 0, 0, 0) < 0)
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
        data[word].inheritable = bits;
    }
    return ::syscall(SYS_capset, &header, data) == 0;
}

}
