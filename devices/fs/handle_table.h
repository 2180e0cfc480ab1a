#pragma once

#include "vmm/base/unique_fd.h"

#include <cstdint>
#include <map>
#include <optional>

namespace vmlet::fs {

// A file or directory the guest opened (linux/fuse.h: OPEN, OPENDIR and CREATE answer a file
// handle that READ, WRITE, READDIR, FSYNC and RELEASE name). A handle of the synthetic root has no
// descriptor. Handles are never reused while the table lives, so a forged or released one finds
// nothing; the table is bounded, as each holds a descriptor.
struct Handle {
    UniqueFd fd;
    uint64_t node { 0 };
    uint32_t export_index { 0 };
    bool writable { false };
};

class HandleTable {
public:
    static constexpr size_t kMaxHandles = 1024;

    std::optional<uint64_t> add(Handle handle)
    {
        if (m_handles.size() >= kMaxHandles)
            return std::nullopt;
        uint64_t id = m_next_id++;
        m_handles.emplace(id, std::move(handle));
        return id;
    }
    Handle* find(uint64_t id)
    {
        auto found = m_handles.find(id);
        return found == m_handles.end() ? nullptr : &found->second;
    }
    bool remove(uint64_t id) { return m_handles.erase(id) > 0; }
    void clear() { m_handles.clear(); }

private:
    std::map<uint64_t, Handle> m_handles;
    uint64_t m_next_id { 1 };
};

}
