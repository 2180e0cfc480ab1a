#include "containers/cli/raw_terminal.h"

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

TerminalSize RawTerminal::size()
{
    auto size = terminal_size(STDIN_FILENO);
    return size.rows || size.cols ? size : terminal_size(STDOUT_FILENO);
}

RawTerminal::~RawTerminal()
{
    if (m_saved)
        ::tcsetattr(STDIN_FILENO, TCSANOW, &*m_saved);
}

}
