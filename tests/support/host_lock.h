#pragma once

#include "vmm/base/unique_fd.h"

namespace vmlet::test {

// Tests that make containers share the host with every other such test: vmlet's cgroups, the VM
// socket directories under TMPDIR, the tap and mount tables; and each one checks afterwards that it
// left none of them behind. ctest's RESOURCE_LOCK makes them take turns within one run; this lock,
// an flock(2) on a file under /run/lock, makes them take turns across runs too (two checkouts'
// suites, or a developer's and a benchmark's).
class HostContainersLock {
public:
    HostContainersLock();

private:
    UniqueFd m_fd;
};

}
