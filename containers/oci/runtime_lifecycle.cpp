// vmlet-runtime start, state, kill, delete, pause, resume, ps and list: runtime.md "Operations"
// over the container's record, in runc's words where its callers match on them.

#include "containers/oci/cgroups_path.h"
#include "containers/oci/oci_state.h"
#include "containers/oci/runtime_commands.h"
#include "containers/oci/runtime_files.h"
#include "containers/runtime/container.h"
#include "containers/runtime/container_pause.h"
#include "containers/runtime/signal_name.h"
#include "vmm/base/file.h"
#include "vmm/base/text.h"

#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <thread>

namespace vmlet::oci {

namespace {

// How long `start` waits for the container process to run the container, and `delete` for a
// killed one to be gone. A VM's restore on a slow host is the longest of these.
constexpr auto kStartTimeout = std::chrono::minutes(5);
constexpr auto kKillTimeout = std::chrono::seconds(30);
constexpr auto kPoll = std::chrono::milliseconds(10);

struct Found {
    ContainerStore store;
    ContainerRecord record;
};

// By its OCI id alone (the store's name), never an id prefix. "container does not exist" is the
// error runc gives, which containerd and podman match.
Result<Found> find_container(const std::string& root, const std::string& id)
{
    auto store = TRY(ContainerStore::open(root));
    auto record = store.find(id);
    if (!record.ok() || record.value().name != id)
        return make_error("container does not exist");
    return Found { std::move(store), record.release_value() };
}

// Until `done` holds for the record, or it is gone (nullopt).
template<typename Done>
Result<std::optional<ContainerRecord>> wait_for_record(const Found& found, std::chrono::milliseconds timeout, Done done)
{
    auto deadline = std::chrono::steady_clock::now() + timeout;
    for (;;) {
        auto now = found.store.find(found.record.id);
        if (!now.ok())
            return std::optional<ContainerRecord>();
        if (done(now.value()))
            return std::optional<ContainerRecord>(now.release_value());
        if (std::chrono::steady_clock::now() >= deadline)
            return make_error("container {} did not change state in time", found.record.name);
        std::this_thread::sleep_for(kPoll);
    }
}

// The host pids in the container's (first) cgroup: a process container's processes, a VM's monitor.
Result<std::vector<pid_t>> cgroup_pids(const ContainerRecord& record)
{
    std::vector<pid_t> pids;
    if (record.cgroups.empty())
        return pids;
    auto procs = TRY(read_small_file(record.cgroups.front() + "/cgroup.procs", 1 << 20));
    for (auto line : split(procs, '\n'))
        if (!line.empty())
            pids.push_back(std::atoi(std::string(line).c_str()));
    return pids;
}

// A created container, ended before it ran: its sandbox takes down what it set up, and its
// process records the exit (125). One that does not answer is killed.
Result<void> end_created(const Found& found)
{
    auto gone = [](const ContainerRecord& record) { return !monitor_alive(record); };
    if (send_to_start_fifo(start_fifo_path(found.store, found.record), kCancelByte) && wait_for_record(found, kKillTimeout, gone).ok())
        return {};
    if (::kill(found.record.monitor_pid, SIGKILL) < 0 && errno != ESRCH)
        return errno_error("cannot kill the container process");
    TRY(wait_for_record(found, kKillTimeout, gone));
    return {};
}

// Signals whose default action is to do nothing (signal(7)): a created container's process
// would live on.
bool ignored_by_default(int signal)
{
    return signal == SIGCHLD || signal == SIGCONT || signal == SIGURG || signal == SIGWINCH;
}
}

Result<int> start_container(const std::string& root, const std::string& id)
{
    auto found = TRY(find_container(root, id));
    switch (oci_status(found.store, found.record)) {
    case OciStatus::Created:
        break;
    case OciStatus::Running:
    case OciStatus::Paused:
        return make_error("cannot start an already running container");
    case OciStatus::Stopped:
        return make_error("cannot start a container that has stopped");
    }
    if (!send_to_start_fifo(start_fifo_path(found.store, found.record), kStartByte))
        return make_error("cannot start a container that has stopped");
    auto started = TRY(wait_for_record(found, kStartTimeout,
        [](const ContainerRecord& record) { return record.state != ContainerState::Created || !monitor_alive(record); }));
    if (started && started->state == ContainerState::Created)
        return make_error("the container process exited before the container ran");
    return 0;
}

Result<int> print_state(const std::string& root, const std::string& id)
{
    auto found = TRY(find_container(root, id));
    fmt::print("{}\n", oci_state_json(found.store, found.record).dump(2, ' ', false, nlohmann::json::error_handler_t::replace));
    return 0;
}

Result<int> kill_container(const std::string& root, const std::string& id, const std::string& signal_text, bool all)
{
    auto found = TRY(find_container(root, id));
    int signal = TRY(parse_signal(signal_text));
    switch (oci_status(found.store, found.record)) {
    case OciStatus::Created:
        // Nothing runs in it yet: as runc's init waiting for start, it ends unless the signal is
        // one whose default is to do nothing.
        if (!ignored_by_default(signal))
            TRY(end_created(found));
        return 0;
    case OciStatus::Paused:
        // A frozen process takes no signal until thawed (a cgroup v1 freezer holds even SIGKILL).
        if (signal == SIGKILL || all)
            TRY(unpause_container(found.store, found.record));
        [[fallthrough]];
    case OciStatus::Running:
        // --all reaches every process: for SIGKILL, a pid namespace's init takes its namespace
        // with it; another signal goes to each process of a process container's cgroup (a VM's
        // workload gets it through its agent, its other processes not).
        if (all && signal != SIGKILL && found.record.isolation == Isolation::Process && !found.record.cgroups.empty()) {
            for (pid_t pid : TRY(cgroup_pids(found.record)))
                ::kill(pid, signal);
            return 0;
        }
        TRY(signal_container(found.record, signal));
        return 0;
    case OciStatus::Stopped:
        return make_error("container not running");
    }
    return 0;
}

Result<int> delete_container(const std::string& root, const std::string& id, bool force)
{
    auto found = find_container(root, id);
    if (!found.ok())
        return force ? Result<int>(0) : found.release_error();
    auto status = oci_status(found.value().store, found.value().record);
    if (status == OciStatus::Created) {
        TRY(end_created(found.value()));
    } else if (status != OciStatus::Stopped && !force) {
        return make_error("cannot delete container {} that is not stopped: {}", id, oci_status_name(status));
    } else if (status == OciStatus::Paused) {
        TRY(unpause_container(found.value().store, found.value().record));
    }
    // The record of the cgroups it joined goes with its directory: read first. (A root its killed
    // process left bound there is unbound by the store's removal, which never crosses a mount.)
    auto cgroups = recorded_cgroups_path(cgroups_path_file(found.value().store, found.value().record));
    auto container = TRY(Container::open(root, found.value().record.id));
    TRY(container.remove(true));
    remove_cgroups_path(cgroups, found.value().record.id);
    return 0;
}

Result<int> pause_container_by_id(const std::string& root, const std::string& id, bool pause)
{
    auto found = TRY(find_container(root, id));
    auto status = oci_status(found.store, found.record);
    if (pause && status != OciStatus::Running)
        return make_error("container not running");
    if (!pause && status != OciStatus::Paused)
        return make_error("container not paused");
    TRY(pause ? pause_container(found.store, found.record) : unpause_container(found.store, found.record));
    return 0;
}

// runc ps: the host pids of the container's processes, as in its cgroups (for a VM container,
// its monitor's: the workload's own processes are the guest's).
Result<int> print_processes(const std::string& root, const std::string& id, const std::string& format)
{
    auto found = TRY(find_container(root, id));
    auto status = oci_status(found.store, found.record);
    if (status != OciStatus::Running && status != OciStatus::Paused)
        return make_error("container not running");
    auto pids = TRY(cgroup_pids(found.record));
    if (format == "json") {
        fmt::print("{}\n", nlohmann::json(pids).dump());
        return 0;
    }
    fmt::print("PID\n");
    for (int pid : pids)
        fmt::print("{}\n", pid);
    return 0;
}

Result<int> list_containers(const std::string& root, const std::string& format, bool quiet)
{
    auto store = TRY(ContainerStore::open(root));
    auto records = TRY(store.all());
    if (format == "json") {
        auto list = nlohmann::json::array();
        for (const auto& record : records)
            list.push_back(oci_state_json(store, record));
        fmt::print("{}\n", list.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
        return 0;
    }
    if (!quiet)
        fmt::print("{:<24} {:<10} {:<10} {:<40} {}\n", "ID", "PID", "STATUS", "BUNDLE", "CREATED");
    for (const auto& record : records) {
        auto state = oci_state_json(store, record);
        if (quiet)
            fmt::print("{}\n", record.name);
        else
            fmt::print("{:<24} {:<10} {:<10} {:<40} {}\n", record.name, state["pid"].get<int>(), state["status"].get<std::string>(),
                record.bundle, record.created);
    }
    return 0;
}

}
