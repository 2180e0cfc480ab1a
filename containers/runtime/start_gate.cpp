#include "containers/runtime/start_gate.h"

#include <unistd.h>

#include <cerrno>

namespace vmlet {

Result<void> wait_at_start_gate(const StdioFds& stdio)
{
    if (::write(stdio.ready, "1", 1) != 1)
        return errno_error("cannot report the container created");
    char go = 0;
    ssize_t count;
    do
        count = ::read(stdio.start_gate, &go, 1);
    while (count < 0 && errno == EINTR);
    if (count != 1)
        return make_error("the container was deleted before it started");
    return {};
}

}
