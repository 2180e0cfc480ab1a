#include "vmm/base/fd_copy.h"

#include "vmm/base/file.h"

#include <poll.h>
#include <unistd.h>

#include <array>
#include <cerrno>

namespace vmlet {

bool copy_until_end(int from, int to, int stop)
{
    std::array<char, 1 << 16> buffer;
    for (;;) {
        std::array<pollfd, 2> fds { { { from, POLLIN, 0 }, { stop, POLLIN, 0 } } };
        if (::poll(fds.data(), fds.size(), -1) < 0) {
            if (errno == EINTR)
                continue;
            return false;
        }
        if (fds[1].revents)
            return false;
        if (!fds[0].revents)
            continue;
        ssize_t count = ::read(from, buffer.data(), buffer.size());
        if (count < 0 && errno == EINTR)
            continue;
        if (count <= 0)
            return true;
        if (!write_all(to, std::span(reinterpret_cast<const uint8_t*>(buffer.data()), static_cast<size_t>(count))).ok())
            return false;
    }
}

}
