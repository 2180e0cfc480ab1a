#pragma once

#include "containers/runtime/terminal_size.h"

#include <termios.h>

#include <optional>

namespace vmlet {

// vmlet's own terminal in raw mode while a container's terminal is on it (-t): ^C, ^D and line
// editing reach the container's terminal as bytes, and its line discipline (inside the container,
// or the VM) acts on them. The settings come back on destruction. Nothing happens when standard
// input is no terminal.
class RawTerminal {
public:
    RawTerminal();
    ~RawTerminal();
    RawTerminal(const RawTerminal&) = delete;
    RawTerminal& operator=(const RawTerminal&) = delete;

    // The size of vmlet's terminal (its input's, else its output's), which the container's follows.
    static TerminalSize size();

private:
    std::optional<termios> m_saved;
};

}
