#include "containers/runtime/cgroup/cgroup_freezer.h"

#include "containers/runtime/cgroup/cgroup.h"
#include "vmm/base/file.h"

#include <unistd.h>

#include <chrono>
#include <thread>

namespace vmlet {

namespace {

// Freezing waits for every task to reach the refrigerator: one in an uninterruptible sleep takes
// as long as that sleep.
constexpr auto kFreezeTimeout = std::chrono::seconds(10);

bool exists(const std::string& path)
{
    return ::access(path.c_str(), F_OK) == 0;
}

// Whether the kernel says the change is complete: v1's freezer.state reads FROZEN or THAWED (FREEZING
// meanwhile); v2's cgroup.events has "frozen 1" or "frozen 0".
Result<bool> reached(const std::string& control, FreezerState state)
{
    bool v1 = control.ends_with("/freezer.state");
    auto directory = control.substr(0, control.rfind('/'));
    auto text = TRY(read_small_file(v1 ? control : directory + "/cgroup.events", 4096));
    if (v1)
        return text.starts_with(state == FreezerState::Frozen ? "FROZEN" : "THAWED");
    return text.find(state == FreezerState::Frozen ? "frozen 1" : "frozen 0") != std::string::npos;
}

}

std::string freezer_control_file(const std::vector<std::string>& directories)
{
    for (const auto& directory : directories) {
        for (const char* file : { "/cgroup.freeze", "/freezer.state" }) {
            if (exists(directory + file))
                return directory + file;
        }
    }
    return {};
}

Result<void> set_freezer_state(const std::vector<std::string>& directories, FreezerState state)
{
    auto control = freezer_control_file(directories);
    if (control.empty())
        return make_error("the container's cgroup has no freezer (cgroup v1: is the freezer controller mounted?)");
    bool v1 = control.ends_with("/freezer.state");
    bool frozen = state == FreezerState::Frozen;
    TRY(write_cgroup_file(control, v1 ? (frozen ? "FROZEN" : "THAWED") : (frozen ? "1" : "0")));
    auto deadline = std::chrono::steady_clock::now() + kFreezeTimeout;
    while (!TRY(reached(control, state))) {
        if (std::chrono::steady_clock::now() > deadline) {
            // A freeze that did not finish is undone: nothing is left half frozen.
            if (frozen)
                (void)write_cgroup_file(control, v1 ? "THAWED" : "0");
            return make_error("the container's processes did not {} within {} s", frozen ? "freeze" : "thaw", kFreezeTimeout.count());
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    return {};
}

}
