#pragma once

#include "containers/runtime/process/process_security.h"
#include "containers/runtime/terminal_size.h"

#include <sys/types.h>

#include <cstdint>
#include <string>
#include <vector>

namespace vmlet {

// One filesystem step the container's first process takes before pivot_root, on host paths that the
// parent already resolved inside the container's root (rootfs_path.h).
struct InitStep {
    enum class Kind {
        Mount,          // mount(source, target, fstype, flags, data)
        BindReadOnly,   // a non-recursive bind of source, then remounted read-only with `flags`
        Bind,           // a non-recursive bind of source, then remounted with `flags` (-v: nodev, ro)
        MakeFile,       // an empty file to bind a device or a file over
        MakeDirectory,
        Symlink,        // target -> source
        WriteFile,      // data written to an existing file: a namespaced sysctl under /proc/sys
    };
    Kind kind { Kind::Mount };
    std::string source;
    std::string target;
    std::string fstype;
    unsigned long flags { 0 };
    std::string data;
    std::string fallback_source; // Mount only: on failure, BindReadOnly this instead (sysfs, see rootfs_setup)
    std::string what;            // for the error message: "mount proc on /proc"
    bool optional { false };     // a missing target (ENOENT) is skipped: what a kernel lacks needs no mask
};

// A Mount step; and a step of another kind, which takes no file system type, flags or data.
InitStep mount_step(std::string source, std::string target, std::string fstype, unsigned long flags, std::string data,
    std::string what);
InitStep simple_step(InitStep::Kind kind, std::string source, std::string target, std::string what);

// Everything the child needs, prepared by the parent. The child is a copy of a possibly multi-threaded
// process made by clone(2): another thread may have held the malloc lock at that instant, so the child
// must not allocate (signal-safety(7)). It only reads this plan and makes system calls.
struct InitPlan {
    int stdio[3] { -1, -1, -1 }; // become the container's 0, 1, 2 (without tty); all >= 3 and close-on-exec
    int sync_fd { -1 };          // one byte arrives once the parent has put the child in its cgroups
    int error_fd { -1 };         // close-on-exec: EOF tells the parent exec succeeded, else an InitFailure
    int parent_fds[2] { -1, -1 }; // the parent's ends of those two pipes, which the child closes first

    std::string rootfs;          // the overlay's host path, the new root
    bool read_only_root { false }; // --read-only: the root is remounted read-only once it is the root
    std::vector<InitStep> steps;
    std::string hostname;
    bool tty { false };          // make a terminal of the container's devpts (container_terminal.h)
    TerminalSize terminal_size;
    int console_fd { -1 };       // with tty: where the terminal's master side goes to the parent
    int ready_fd { -1 };         // StdioFds::ready and ::start_gate (sandbox.h): one byte written
    int start_gate_fd { -1 };    // once set up, then one read before the exec

    uint32_t uid { 0 };
    uint32_t gid { 0 };
    std::vector<gid_t> supplementary_gids;
    ProcessSecurity security;

    std::string working_dir;
    std::vector<std::string> exec_candidates; // the command, or it joined to each entry of PATH
    bool path_search { false };               // whether argv[0] was a bare name looked up in PATH
    std::string command;                      // "exec: \"ARGV0\"", for messages
    std::string not_found;                    // the message when a PATH search finds nothing
    std::vector<std::string> args;
    std::vector<std::string> env;
    std::vector<char*> argv;                  // into args, null-terminated
    std::vector<char*> envp;                  // into env, null-terminated
};

// What the child writes to error_fd before it exits without exec'ing.
struct InitFailure {
    int exit_status { 125 }; // Docker's: 127 command not found, 126 not executable, 125 anything else
    int error { 0 };         // errno, or 0 when `what` says it all
    char what[512] {};
};

// Builds the argv and envp pointer arrays once args and env are final.
void finish_init_plan(InitPlan& plan);

// The container's first process from clone(2) to execve(2). Never returns.
[[noreturn]] void run_container_init(const InitPlan& plan);

}
