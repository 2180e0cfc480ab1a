#include "tests/support/cgroup2_mount.h"

#include <fstream>
#include <sstream>

namespace vmlet::test {

std::string cgroup2_mount_point()
{
    std::string mount_point;
    std::ifstream mountinfo("/proc/self/mountinfo");
    for (std::string line; std::getline(mountinfo, line);) {
        std::istringstream fields(line);
        std::string id, parent, device, root, point;
        fields >> id >> parent >> device >> root >> point;
        if (line.find(" - cgroup2 ") != std::string::npos && root == "/")
            mount_point = point;
    }
    return mount_point;
}

}
