#include "vmm/base/exit_status.h"

#include <fmt/format.h>

#include <sys/wait.h>

namespace vmlet {

int fail(const std::string& message)
{
    fmt::print(stderr, "vmlet: {}\n", message);
    return kVmletFailure;
}

int exit_status_from_wait_status(int wait_status)
{
    return WIFEXITED(wait_status) ? WEXITSTATUS(wait_status) : 128 + WTERMSIG(wait_status);
}

}
