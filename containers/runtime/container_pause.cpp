#include "containers/runtime/container_pause.h"

#include "containers/runtime/cgroup/cgroup_freezer.h"
#include "containers/runtime/vm/vm_control.h"
#include "vmm/base/file.h"

#include <unistd.h>

namespace vmlet {

namespace {

constexpr const char* kPausedFile = "paused";

std::string marker_path(const ContainerStore& store, const ContainerRecord& record)
{
    return store.directory(record.id) + "/" + kPausedFile;
}

Result<void> set_paused(const ContainerRecord& record, bool paused)
{
    switch (record.isolation) {
    case Isolation::Process:
        return set_freezer_state(record.cgroups, paused ? FreezerState::Frozen : FreezerState::Thawed);
    case Isolation::Vm: {
        auto control = TRY(VmControl::connect(vm_api_socket_beside(record.agent_socket)));
        return paused ? control.pause() : control.resume();
    }
    }
    return make_error("unknown isolation");
}

}

bool container_paused(const ContainerStore& store, const ContainerRecord& record)
{
    if (record.state != ContainerState::Running)
        return false;
    auto marker = read_small_file(marker_path(store, record), 64);
    return marker.ok() && marker.value() == std::to_string(record.monitor_pid);
}

Result<void> pause_container(const ContainerStore& store, const ContainerRecord& record)
{
    if (record.state != ContainerState::Running)
        return make_error("container {} is not running", record.name);
    if (container_paused(store, record))
        return make_error("container {} is already paused", record.name);
    TRY_CONTEXT(set_paused(record, true), fmt::format("cannot pause container {}", record.name));
    auto marked = replace_file(marker_path(store, record), std::to_string(record.monitor_pid));
    if (!marked.ok()) {
        (void)set_paused(record, false);
        return marked.release_error();
    }
    return {};
}

Result<void> unpause_container(const ContainerStore& store, const ContainerRecord& record)
{
    if (!container_paused(store, record))
        return make_error("container {} is not paused", record.name);
    TRY_CONTEXT(set_paused(record, false), fmt::format("cannot unpause container {}", record.name));
    if (::unlink(marker_path(store, record).c_str()) < 0 && errno != ENOENT)
        return errno_error(fmt::format("cannot mark container {} unpaused", record.name));
    return {};
}

}
