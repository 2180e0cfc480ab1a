#pragma once

#include "vmm/base/result.h"
#include "vmm/base/unique_fd.h"
#include "vmm/cli/raw_terminal.h"

#include <atomic>
#include <memory>
#include <optional>
#include <thread>

namespace vmlet {

// `run -t` in process isolation: a pseudo-terminal for the container, the way docker gives one.
// The container gets the pty's terminal side as its standard streams and controlling terminal;
// vmlet puts its own terminal in raw mode (RawTerminal) and copies bytes between the two until the
// container closes its side. (In a VM the guest agent makes the pty: vmlet's raw terminal is all
// the host needs.)
class TerminalRelay {
public:
    static Result<std::unique_ptr<TerminalRelay>> open();
    ~TerminalRelay();
    TerminalRelay(const TerminalRelay&) = delete;
    TerminalRelay& operator=(const TerminalRelay&) = delete;

    // The terminal side, for the container's stdin, stdout and stderr.
    int container_side() const { return m_terminal.get(); }
    // Starts copying (vmlet's input too with `forward_input`, docker run -i); call once the
    // container holds its side, which vmlet then closes.
    void start(bool forward_input);
    // vmlet's terminal changed size: so does the container's, whose foreground gets SIGWINCH.
    void resize();

private:
    TerminalRelay() = default;

    UniqueFd m_master;
    UniqueFd m_terminal;
    UniqueFd m_stop;
    std::optional<RawTerminal> m_raw;
    std::thread m_input, m_output;
};

}
