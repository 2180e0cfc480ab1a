#include "containers/runtime/forwarded_signals.h"

#include <pthread.h>
#include <sys/signalfd.h>
#include <unistd.h>

namespace vmlet {

Result<ForwardedSignals> ForwardedSignals::block()
{
    sigset_t set;
    sigemptyset(&set);
    for (int signal : { SIGINT, SIGTERM, SIGHUP, SIGUSR1, SIGWINCH })
        sigaddset(&set, signal);
    sigset_t old;
    if (::pthread_sigmask(SIG_BLOCK, &set, &old) != 0)
        return make_error("cannot block signals");
    int fd = ::signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
    if (fd < 0)
        return errno_error("signalfd");
    return ForwardedSignals(UniqueFd(fd), old);
}

ForwardedSignals::~ForwardedSignals()
{
    if (m_fd.valid())
        ::pthread_sigmask(SIG_SETMASK, &m_old, nullptr);
}

std::vector<int> ForwardedSignals::pending()
{
    std::vector<int> signals;
    signalfd_siginfo info {};
    while (::read(m_fd.get(), &info, sizeof info) == sizeof info) {
        if (info.ssi_signo == SIGUSR1)
            signals.push_back(info.ssi_int);
        else
            signals.push_back(static_cast<int>(info.ssi_signo));
    }
    return signals;
}

}
