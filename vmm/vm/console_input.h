#pragma once

#include "devices/console_sink.h"
#include "vmm/base/result.h"

#include <termios.h>

#include <optional>

namespace vmlet {

// Forwards vmlet's standard input to the guest's console. A terminal is put in raw mode (so Ctrl-C
// reaches the guest) and restored on destruction; Ctrl-A x leaves vmlet, as in QEMU. Other input
// (a pipe, a file) is passed through once the guest listens, and its end becomes Ctrl-D, the end of
// input for the guest's shell. (Known gap: with no input at all, that Ctrl-D reaches the tty before
// busybox's line editor starts and is not seen as the end; end piped scripts with `exit`.)
class ConsoleInput {
public:
    static ConsoleInput attach(int fd);

    ConsoleInput(ConsoleInput&& other) noexcept;
    ~ConsoleInput();
    ConsoleInput(const ConsoleInput&) = delete;
    ConsoleInput& operator=(const ConsoleInput&) = delete;
    ConsoleInput& operator=(ConsoleInput&&) = delete;

    int fd() const { return m_fd; }

    enum class Outcome { Continue, Quit, Closed };
    // Reads what is available and hands it to the UART.
    Outcome forward(ConsoleSink& sink);

private:
    ConsoleInput(int fd, std::optional<termios> saved)
        : m_fd(fd)
        , m_saved(saved)
    {
    }

    int m_fd;
    std::optional<termios> m_saved;
    bool m_escape_pending { false };
};

}
