#pragma once

#include "vmm/base/result.h"

#include <optional>
#include <string>
#include <vector>

namespace vmlet::oci {

// vmlet-runtime's commands, the runc command-line contract that podman (through conmon) and
// containerd's runc shim use (OCI runtime spec, runtime.md "Operations"; runc's own manual pages
// for the flags). Each container is a record of a ContainerStore under the global --root, named
// by its OCI id. The process `create` writes into --pid-file is the container to its caller: it
// lives from create to the workload's exit and exits with the workload's status, as gVisor's
// sandbox process does.

struct CreateRequest {
    std::string id;
    std::string bundle;         // absolute; holds config.json
    std::string pid_file;       // may be empty
    std::string console_socket; // with process.terminal: where the terminal's master side goes
    std::string vm_store_root;  // vmlet's store, where VM templates are kept
    bool systemd_cgroup { false }; // linux.cgroupsPath is systemd's SLICE:PREFIX:NAME
};

struct ExecRequestFlags {
    std::string id;
    std::string process_file;   // --process: a config.json "process" object
    std::vector<std::string> args; // or the command itself after the id
    std::string pid_file;
    std::string console_socket;
    bool tty { false };
    bool detach { false };
    std::string cwd;
    std::vector<std::string> env;
    std::string user;
};

// Each returns the runtime's exit status, or an error for the caller to print in runc's way.
Result<int> create_container(const std::string& root, const CreateRequest& request);
Result<int> start_container(const std::string& root, const std::string& id);
Result<int> print_state(const std::string& root, const std::string& id);
Result<int> kill_container(const std::string& root, const std::string& id, const std::string& signal, bool all);
Result<int> delete_container(const std::string& root, const std::string& id, bool force);
Result<int> pause_container_by_id(const std::string& root, const std::string& id, bool pause);
Result<int> print_processes(const std::string& root, const std::string& id, const std::string& format);
Result<int> list_containers(const std::string& root, const std::string& format, bool quiet);
Result<int> exec_in_container(const std::string& root, const ExecRequestFlags& request);
Result<int> print_features();

}
