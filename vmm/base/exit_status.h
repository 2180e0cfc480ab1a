#pragma once

#include <string>

namespace vmlet {

// Exit status for vmlet's own failures (bad flags, bad files, no KVM, no such image), as docker
// uses 125. Both programs, vmlet and vmlet-vmm, exit with it.
constexpr int kVmletFailure = 125;

// Prints "vmlet: MESSAGE" on standard error, one line, and returns kVmletFailure.
int fail(const std::string& message);

// A process's exit status as a shell reports it: its exit code, or 128 + the signal that killed
// it, from a waitpid(2) status.
int exit_status_from_wait_status(int wait_status);

}
