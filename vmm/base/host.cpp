#include "vmm/base/host.h"

#include <sys/sysinfo.h>
#include <unistd.h>

namespace vmlet {

bool is_pvm_host()
{
    return ::access("/sys/module/kvm_pvm", F_OK) == 0;
}

uint64_t host_memory_bytes()
{
    struct sysinfo info {};
    if (::sysinfo(&info) < 0)
        return 0;
    return uint64_t(info.totalram) * info.mem_unit;
}

}
