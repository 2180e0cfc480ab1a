#pragma once

#include "devices/legacy/serial_8250.h"
#include "vmm/base/result.h"

#include <termios.h>

#include <optional>

namespace vmlet {

// Forwards an interactive terminal to the guest's console. The terminal is put in raw mode (so
// Ctrl-C reaches the guest) and restored on destruction; Ctrl-A x leaves vmlet, as in QEMU.
class ConsoleInput {
public:
    // Nothing when standard input is not a terminal: then the guest gets no console input.
    static std::optional<ConsoleInput> attach_if_interactive(int fd);

    ConsoleInput(ConsoleInput&& other) noexcept;
    ~ConsoleInput();
    ConsoleInput(const ConsoleInput&) = delete;
    ConsoleInput& operator=(const ConsoleInput&) = delete;
    ConsoleInput& operator=(ConsoleInput&&) = delete;

    int fd() const { return m_fd; }

    enum class Outcome { Continue, Quit, Closed };
    // Reads what is available and hands it to the UART.
    Outcome forward(Serial8250& serial);

private:
    ConsoleInput(int fd, termios saved)
        : m_fd(fd)
        , m_saved(saved)
    {
    }

    int m_fd;
    std::optional<termios> m_saved;
    bool m_escape_pending { false };
};

}
