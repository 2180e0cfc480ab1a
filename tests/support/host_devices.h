#pragma once

#include <sys/types.h>

#include <optional>

namespace vmlet::test {

// A block device of the host that the calling process can open, for tests that show a container
// cannot: one of its disks (/proc/partitions; some sandboxes refuse those even to root), else the
// first loop device. Probed through a node made and removed in TMPDIR. Needs CAP_MKNOD.
std::optional<dev_t> openable_block_device();

}
