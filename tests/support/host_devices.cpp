#include "tests/support/host_devices.h"

#include "tests/support/temporary_directory.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace vmlet::test {

std::optional<dev_t> openable_block_device()
{
    std::vector<dev_t> candidates;
    std::ifstream partitions("/proc/partitions");
    for (std::string line; std::getline(partitions, line);) {
        std::istringstream fields(line);
        unsigned major = 0, minor = 0;
        if (fields >> major >> minor)
            candidates.push_back(makedev(major, minor));
    }
    candidates.push_back(makedev(7, 0));
    TemporaryDirectory scratch;
    auto probe = scratch.file("probe");
    for (dev_t device : candidates) {
        ::unlink(probe.c_str());
        if (::mknod(probe.c_str(), S_IFBLK | 0600, device) < 0)
            continue;
        int fd = ::open(probe.c_str(), O_RDONLY | O_CLOEXEC);
        if (fd >= 0) {
            ::close(fd);
            return device;
        }
    }
    return std::nullopt;
}

}
