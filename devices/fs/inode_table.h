#pragma once

#include "vmm/base/unique_fd.h"

#include <sys/stat.h>

#include <cstdint>
#include <map>
#include <optional>
#include <tuple>

namespace vmlet::fs {

// One host file the guest knows by a FUSE node ID: an O_PATH descriptor of the file itself (a
// symbolic link included, never what it points to), its identity, and the export it lies in.
struct Inode {
    UniqueFd fd;
    uint32_t export_index { 0 };
    dev_t device { 0 };
    ino_t number { 0 };
    mode_t type { 0 }; // S_IFMT bits
    uint64_t lookups { 0 };
};

// The node IDs handed to the guest (linux/fuse.h: every entry reply adds one to a node's lookup
// count, FORGET subtracts what the kernel says; at zero the ID is dead). IDs are never reused
// while the table lives, so a stale or forged ID finds nothing; one host file in one export has
// one ID, as hard links and the guest's inode cache expect. Node 1 (FUSE_ROOT_ID) is the share's
// root and is never forgotten. The table is bounded: every entry holds a descriptor.
class InodeTable {
public:
    static constexpr uint64_t kRootId = 1;
    static constexpr size_t kMaxInodes = 16384;

    Inode* find(uint64_t node);
    // The node for `fd`'s file, new or known (then `fd` is closed and the count goes up by one);
    // nothing when the table is full.
    std::optional<uint64_t> add(UniqueFd fd, const struct stat& status, uint32_t export_index);
    // The root: an export's directory, or nothing for a synthetic root (the server answers it).
    void set_root(UniqueFd fd, const struct stat& status);
    void forget(uint64_t node, uint64_t count);
    void clear();
    size_t size() const { return m_inodes.size(); }

private:
    using Key = std::tuple<uint32_t, dev_t, ino_t>;
    std::map<uint64_t, Inode> m_inodes;
    std::map<Key, uint64_t> m_by_file;
    uint64_t m_next_id { kRootId + 1 };
};

}
