#include "vmm/cli/raw_terminal.h"

#include <sys/ioctl.h>
#include <unistd.h>

namespace vmlet {

RawTerminal::RawTerminal()
{
    termios settings {};
    if (::tcgetattr(STDIN_FILENO, &settings) == 0) {
        m_saved = settings;
        ::cfmakeraw(&settings);
        ::tcsetattr(STDIN_FILENO, TCSANOW, &settings);
    }
}

RawTerminal::~RawTerminal()
{
    if (m_saved)
        ::tcsetattr(STDIN_FILENO, TCSANOW, &*m_saved);
}

TerminalSize RawTerminal::size()
{
    winsize size {};
    if (::ioctl(STDIN_FILENO, TIOCGWINSZ, &size) < 0)
        return {};
    return { size.ws_row, size.ws_col };
}

}
