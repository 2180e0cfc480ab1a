#pragma once

#include "vmm/sandbox/seccomp_filter.h"

#include <sys/types.h>

#include <vector>

namespace vmlet {

// The kinds of thread in vmlet-vmm once its VM runs, each with a seccomp filter of its own
// (thread_filters.cpp lists what each may call and why). Everything a thread opens, creates or
// configures (files, KVM, taps, sockets, the jail) happens before its filter goes on.
enum class ThreadKind {
    Main,   // the run loop: signals, console input, the control socket, snapshots, the exit
    Vcpu,   // KVM_RUN, and the port and MMIO accesses devices answer on the vCPU's own thread
    Device, // the event loop: virtqueues, disk, tap and socket I/O
};

// The filter for a thread of `kind` in the monitor whose process ID is `pid`, the one process
// its signals may go to; `file_server` when the VM has a virtio-fs share, whose server runs on the
// device thread.
std::vector<sock_filter> thread_filter(ThreadKind kind, pid_t pid, bool file_server = false);

}
