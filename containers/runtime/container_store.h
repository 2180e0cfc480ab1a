#pragma once

#include "containers/runtime/container_config.h"
#include "containers/runtime/isolation.h"
#include "containers/runtime/mount_spec.h"
#include "containers/runtime/security_options.h"
#include "vmm/base/result.h"

#include <sys/types.h>

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace vmlet {

enum class ContainerState { Created, Running, Exited };

// What `vmlet ps` and `inspect` know of a container, kept as containers/<id>/container.json.
struct ContainerRecord {
    std::string id;         // 64 hex digits, as docker's
    std::string name;       // unique in the store
    std::string image_id;   // "sha256:..." of the image it runs
    std::string image_name; // as the user wrote it
    Isolation isolation { Isolation::Vm };
    std::vector<std::string> command;
    std::vector<std::string> env; // the process's, which `vmlet exec` starts from
    std::string working_dir;
    std::string user;
    std::string created;    // RFC 3339
    ContainerState state { ContainerState::Created };
    pid_t monitor_pid { 0 }; // the vmlet process that runs it and records its exit
    pid_t container_pid { 0 }; // Sandbox::host_pid() while it runs
    std::vector<std::string> cgroups; // Sandbox::cgroup_paths() while it runs
    std::string agent_socket;         // Sandbox::agent_socket() while it runs
    std::string network;              // the network it joined; empty for none and host
    std::string started, finished;
    int exit_code { 0 };
    bool auto_remove { false }; // --rm
    SecurityOptions security;   // what `vmlet exec` applies too
    std::vector<MountSpec> mounts; // -v, --mount, --tmpfs, as inspect shows them
    // What it was created with, for `start`, restarts and inspect; none in a record of a vmlet
    // before issue 16.
    std::optional<ContainerConfig> config;
    unsigned restart_count { 0 }; // times its monitor restarted it (--restart)
    // vmlet-runtime's containers: the OCI bundle's directory, its root (root.path, absolute) and
    // config.json's annotations, as `vmlet-runtime state` shows them (runtime spec, runtime.md "State").
    std::string bundle;
    std::string bundle_root;
    std::map<std::string, std::string> annotations;
    // Not stored: read() found it Running with its monitor gone, and shows it Exited (137); what
    // it held on the host is still there (container_reclaim.h).
    bool abandoned { false };
};

// The containers under a store root: containers/<id>/ holds each one's record, its writable layer
// and its logs; names/<name> holds the id a name belongs to, created with O_EXCL so that two
// concurrent `run --name` cannot both take one name. Records are replaced whole (rename(2)).
class ContainerStore {
public:
    static Result<ContainerStore> open(const std::string& root);

    // Creates the container's directory and reserves its name (a generated one when empty).
    Result<ContainerRecord> create(ContainerRecord record);
    // Replaces the record whole, under the name the store holds for it: a name changes by rename()
    // alone, so a monitor saving its copy of the record after a rename keeps the new name.
    Result<void> save(const ContainerRecord& record) const;
    // docker rename: the new name is reserved first (one container per name), then the old released.
    Result<void> rename(const ContainerRecord& record, const std::string& new_name) const;
    // By name, full id or unambiguous id prefix.
    Result<ContainerRecord> find(std::string_view name_or_id) const;
    Result<std::vector<ContainerRecord>> all() const;
    // Removes the record, the directory and the name, and its anonymous volumes under --rm or with
    // `anonymous_volumes` (rm -v). The caller has released everything mounted there.
    Result<void> remove(const ContainerRecord& record, bool anonymous_volumes = false) const;

    std::string directory(const std::string& id) const;

private:
    explicit ContainerStore(std::string root)
        : m_root(std::move(root))
    {
    }
    Result<ContainerRecord> read(const std::string& id) const;
    Result<void> reserve_name(const std::string& name, const std::string& id) const;
    // The record as stored (read() also tells a running one whose monitor is gone).
    Result<ContainerRecord> stored(const std::string& id) const;
    // The name the stored record of `id` has; `fallback` when there is none yet.
    std::string stored_name(const std::string& id, const std::string& fallback) const;

    std::string m_root;
};

// The file in a container's directory whose flock a start holds from preparing it on, and its
// monitor while it runs (Container), and `cp` into a stopped container while it copies.
inline constexpr const char* kStartLockFile = "start.lock";

// Whether the record's monitor process still runs: a record that says Running whose monitor is gone
// (killed with SIGKILL, host rebooted) reads as Exited.
bool monitor_alive(const ContainerRecord& record);

// Whether the container `id` holds nothing any more: its record is gone, or it has exited (what
// its network address needs to know; network_setup.h).
bool container_gone(const ContainerStore& store, const std::string& id);

std::string_view state_name(ContainerState state);

// The current time as the records keep it: RFC 3339 in UTC, to the second.
std::string now_rfc3339();

}
