#pragma once

#include "vmm/base/result.h"
#include "vmm/base/unique_fd.h"

#include <signal.h>

#include <vector>

namespace vmlet {

// The signals a vmlet process passes on to the command it runs (docker run's --sig-proxy):
// SIGINT, SIGTERM and SIGHUP as themselves, and SIGUSR1 carrying a signal number (sigqueue(3)),
// which is how `vmlet stop` and `vmlet kill` reach a container another vmlet process runs; and
// SIGWINCH, which is not passed on but says that vmlet's terminal changed size (for -t). They
// are taken out of normal delivery into a signalfd while this object lives; block them before
// any thread starts, so that every thread inherits the mask.
class ForwardedSignals {
public:
    static Result<ForwardedSignals> block();
    ForwardedSignals(ForwardedSignals&&) = default;
    ~ForwardedSignals();

    // The signals to deliver now.
    std::vector<int> pending();

private:
    ForwardedSignals(UniqueFd fd, sigset_t old)
        : m_fd(std::move(fd))
        , m_old(old)
    {
    }
    UniqueFd m_fd;
    sigset_t m_old;
};

}
