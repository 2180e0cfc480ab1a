#pragma once

#include "vmm/sandbox/monitor_sandbox.h"
#include "vmm/vm/machine.h"
#include "vmm/vm/run_loop.h"

#include <memory>
#include <string>

namespace vmlet {

// How `vmlet boot` and `vmlet restore` run their machine.
struct SessionOptions {
    RunOptions run;
    std::string api_socket; // empty: no control socket
    SandboxOptions sandbox;
};

// Runs a built or restored machine to its end, with its control socket when asked for, locked
// down first (vmm/sandbox: limits, the jail, seccomp filters on every thread), and
// returns vmlet's exit status: the guest command's, 0 when the guest powers off by itself or is
// stopped on the control socket, 128+N after signal N, 125 (with a one-line message) when the
// guest crashes or vmlet fails.
int run_session(std::unique_ptr<Machine> machine, SessionOptions options);

// `--exit-with-parent`: this process dies with the one that started it (vmlet run's VMs).
bool exit_with_parent();

}
