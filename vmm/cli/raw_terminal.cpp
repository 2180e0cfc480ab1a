#include "vmm/cli/raw_terminal.h"

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

}
