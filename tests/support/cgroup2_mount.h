#pragma once

#include <string>

namespace vmlet::test {

// Where the cgroup v2 hierarchy's root is mounted (the unified one, or the one a hybrid host mounts
// beside v1's), from /proc/self/mountinfo; empty when there is none.
std::string cgroup2_mount_point();

}
