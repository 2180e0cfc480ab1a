#include "containers/runtime/terminal_size.h"

#include <sys/ioctl.h>

namespace vmlet {

TerminalSize terminal_size(int fd)
{
    winsize size {};
    if (::ioctl(fd, TIOCGWINSZ, &size) < 0)
        return {};
    return { size.ws_row, size.ws_col };
}

}
