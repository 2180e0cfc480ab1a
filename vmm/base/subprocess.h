#pragma once

#include "vmm/base/result.h"

#include <sys/types.h>

#include <string>
#include <vector>

namespace vmlet {

struct SpawnOptions {
    int stdin_fd { -1 };  // -1: /dev/null
    int stdout_fd { -1 }; // -1: /dev/null
    int stderr_fd { -1 }; // -1: /dev/null
    // Its own process group, so that a terminal's ^C reaches vmlet (which decides what to do)
    // and not the child directly.
    bool own_process_group { false };
    // Descriptors the child inherits at their own numbers (above 2), such as a tap handed to the
    // monitor (--net fd=N); every other descriptor of the caller's is close-on-exec.
    std::vector<int> inherited_fds {};
};

// Starts `argv` (argv[0] searched in PATH) with an empty signal mask and default dispositions,
// whatever the caller blocked.
Result<pid_t> spawn_process(const std::vector<std::string>& argv, const SpawnOptions& options);

// waitpid(2) until `pid` ends; its exit code, or 128 + the signal that killed it.
Result<int> wait_process(pid_t pid);

// Runs a tool to completion; an error (naming the tool, with the last line it wrote on standard
// error) unless it exits 0.
Result<void> run_tool(const std::vector<std::string>& argv);

}
