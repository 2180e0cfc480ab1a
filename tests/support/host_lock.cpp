#include "tests/support/host_lock.h"

#include <fcntl.h>
#include <sys/file.h>

#include <cerrno>
#include <stdexcept>

namespace vmlet::test {

HostContainersLock::HostContainersLock()
    : m_fd(::open("/run/lock/vmlet-tests-host-containers", O_RDWR | O_CREAT | O_CLOEXEC, 0600))
{
    if (!m_fd.valid())
        throw std::runtime_error("cannot open the host containers lock");
    while (::flock(m_fd.get(), LOCK_EX) < 0) {
        if (errno != EINTR)
            throw std::runtime_error("cannot take the host containers lock");
    }
}

}
