#include "containers/lab/process_memory.h"

#include "vmm/base/file.h"
#include "containers/runtime/container_store.h"

#include <filesystem>
#include <map>
#include <vector>

namespace vmlet::lab {

namespace {

// Every process's parent, from /proc/PID/stat's fourth field (after the command name, which may
// hold spaces and parentheses: proc(5) says to look after the last ')').
std::multimap<pid_t, pid_t> children_by_parent()
{
    std::multimap<pid_t, pid_t> children;
    std::error_code error;
    for (const auto& entry : std::filesystem::directory_iterator("/proc", error)) {
        auto name = entry.path().filename().string();
        if (name.find_first_not_of("0123456789") != std::string::npos)
            continue;
        auto stat = read_small_file(entry.path().string() + "/stat", 4096);
        if (!stat.ok())
            continue;
        auto close = stat.value().rfind(')');
        if (close == std::string::npos || close + 4 >= stat.value().size())
            continue;
        auto parent = std::atol(stat.value().c_str() + close + 4);
        children.emplace(static_cast<pid_t>(parent), static_cast<pid_t>(std::atol(name.c_str())));
    }
    return children;
}

uint64_t pss_of(pid_t pid)
{
    auto rollup = read_small_file(fmt::format("/proc/{}/smaps_rollup", pid), 1 << 16);
    if (!rollup.ok())
        return 0; // gone meanwhile, or a kernel thread
    auto at = rollup.value().find("\nPss:");
    return at == std::string::npos ? 0 : uint64_t(std::atoll(rollup.value().c_str() + at + 5)) << 10;
}

}

uint64_t pss_of_tree(pid_t pid)
{
    auto children = children_by_parent();
    uint64_t total = 0;
    std::vector<pid_t> pending { pid };
    while (!pending.empty()) {
        auto next = pending.back();
        pending.pop_back();
        total += pss_of(next);
        auto [first, last] = children.equal_range(next);
        for (auto child = first; child != last; ++child)
            pending.push_back(child->second);
    }
    return total;
}

Result<pid_t> monitor_pid_of(const std::string& root, const std::string& id)
{
    auto store = TRY(ContainerStore::open(root));
    auto record = TRY(store.find(id));
    if (record.monitor_pid <= 0)
        return make_error("container {} has no monitor", id);
    return record.monitor_pid;
}

}
