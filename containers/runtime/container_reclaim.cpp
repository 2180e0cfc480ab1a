#include "containers/runtime/container_reclaim.h"

#include "vmm/base/file.h"
#include "containers/runtime/cgroup/cgroup.h"
#include "containers/runtime/process/overlay_rootfs.h"

#include <signal.h>

#include <filesystem>
#include <sstream>
#include <thread>

namespace vmlet {

namespace {

constexpr size_t kMaxProcsFile = 1 << 20;

// Kills every process in the cgroup `directory` (cgroup.procs lists them in v1 and v2 alike).
void kill_members(const std::string& directory)
{
    auto procs = read_small_file(directory + "/cgroup.procs", kMaxProcsFile);
    if (!procs.ok())
        return;
    std::istringstream pids(procs.value());
    for (pid_t pid; pids >> pid;)
        ::kill(pid, SIGKILL);
}

// The VM process of a vm container, while it runs: the vmlet whose command line names the
// container's vsock socket (so a reused pid is left alone).
bool is_containers_vm(pid_t pid, const std::string& agent_socket)
{
    auto cmdline = read_small_file(fmt::format("/proc/{}/cmdline", pid), kMaxProcsFile);
    return cmdline.ok() && cmdline.value().find(agent_socket) != std::string::npos;
}

}

Result<void> reclaim_abandoned(const ContainerRecord& record, const std::string& state_dir)
{
    using namespace std::chrono_literals;
    for (const auto& directory : record.cgroups)
        kill_members(directory);
    TRY(Cgroup::adopt(record.cgroups).remove());
    if (record.isolation == Isolation::Process)
        TRY(OverlayRootfs::adopt(state_dir + "/rootfs").unmount());
    if (!record.agent_socket.empty()) {
        if (record.container_pid > 0 && is_containers_vm(record.container_pid, record.agent_socket)) {
            ::kill(record.container_pid, SIGKILL);
            for (int waited = 0; waited < 200 && is_containers_vm(record.container_pid, record.agent_socket); ++waited)
                std::this_thread::sleep_for(10ms);
        }
        std::error_code error;
        std::filesystem::remove_all(std::filesystem::path(record.agent_socket).parent_path(), error);
    }
    return {};
}

}
