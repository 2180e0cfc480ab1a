#include "devices/fs/inode_table.h"

namespace vmlet::fs {

Inode* InodeTable::find(uint64_t node)
{
    auto found = m_inodes.find(node);
    return found == m_inodes.end() ? nullptr : &found->second;
}

std::optional<uint64_t> InodeTable::add(UniqueFd fd, const struct stat& status, uint32_t export_index)
{
    Key key { export_index, status.st_dev, status.st_ino };
    if (auto known = m_by_file.find(key); known != m_by_file.end()) {
        ++m_inodes.at(known->second).lookups;
        return known->second;
    }
    if (m_inodes.size() >= kMaxInodes)
        return std::nullopt;
    uint64_t node = m_next_id++;
    m_inodes.emplace(node, Inode { std::move(fd), export_index, status.st_dev, status.st_ino, mode_t(status.st_mode & S_IFMT), 1 });
    m_by_file.emplace(key, node);
    return node;
}

void InodeTable::set_root(UniqueFd fd, const struct stat& status)
{
    // The root is also found by its identity: a lookup that reaches it again (a bind mount of the
    // export inside itself) must not make a second node for it.
    m_inodes.erase(kRootId);
    m_inodes.emplace(kRootId, Inode { std::move(fd), 0, status.st_dev, status.st_ino, S_IFDIR, 1 });
    m_by_file[{ 0, status.st_dev, status.st_ino }] = kRootId;
}

void InodeTable::forget(uint64_t node, uint64_t count)
{
    auto found = m_inodes.find(node);
    if (found == m_inodes.end() || node == kRootId)
        return;
    auto& inode = found->second;
    inode.lookups -= std::min(inode.lookups, count);
    if (inode.lookups > 0)
        return;
    m_by_file.erase({ inode.export_index, inode.device, inode.number });
    m_inodes.erase(found);
}

void InodeTable::clear()
{
    std::erase_if(m_inodes, [](const auto& entry) { return entry.first != kRootId; });
    std::erase_if(m_by_file, [](const auto& entry) { return entry.second != kRootId; });
}

}
