#pragma once

#include <initializer_list>

namespace vmlet {

// Closes every descriptor numbered 3 or above but those in `keep` (at most eight), with close_range(2)
// (Linux 5.9) over the gaps between them. What a process about to enter a container does, so that
// nothing of vmlet's (a pipe, the store's lock, a directory of the host) reaches the container: the
// class of runc's CVE-2024-21626, where a descriptor of the host's /sys/fs/cgroup leaked into
// `runc exec`. System calls only, no allocation: safe in a child of a multi-threaded process
// (signal-safety(7)). False with errno on failure.
bool close_other_descriptors(std::initializer_list<int> keep);

}
