#pragma once

#include "vmm/api/api_server.h"
#include "vmm/base/thread_setup.h"
#include "vmm/sandbox/jail.h"
#include "vmm/vm/machine.h"
#include <optional>
#include <string>

namespace vmlet {

// How vmlet-vmm defends the host from the guest it runs, should the guest take a thread of it
// over (README, "Security"): a seccomp filter for each kind of thread, and a jail when asked.
struct SandboxOptions {
    bool seccomp { true };
    // --jail: its user and group; the directories it shows come from the machine and from
    // snapshot_directory.
    std::optional<JailOptions> jail;
    // --snapshot-dir, with --jail: where the control socket may save snapshots.
    std::optional<std::string> snapshot_directory;
};

// The process-wide part, once the machine is built and its sockets listen, and before any of its
// threads starts: resource limits to what this VM needs (descriptors; file sizes), the jail if
// asked, no_new_privs, and no core dumps or ptrace by the monitor's own user (not dumpable, and
// guest RAM is left out of any dump anyway, GuestMemory).
Result<void> lock_down_process(const Machine& machine, const SandboxOptions& options, bool control_socket);

// Where the control socket may save snapshots: anywhere, or in a jail only under
// --snapshot-dir (the one directory it shows writable), or nowhere without one.
SnapshotPlaces snapshot_places(const SandboxOptions& options);

// What each kind of thread installs first: its seccomp filter, compiled here (the device
// thread's allows a file server's calls when `machine` has a share); nothing when seccomp is off.
struct ThreadSandbox {
    ThreadSetups vm_threads;
    // The main thread's, once the VM's threads run (it makes them, and makes no thread after).
    ThreadSetup main_thread;
};
ThreadSandbox thread_sandbox(const SandboxOptions& options, const Machine& machine);

}
