#pragma once

#include "vmm/base/unique_fd.h"
#include "containers/runtime/terminal_size.h"

#include <atomic>
#include <chrono>
#include <thread>

namespace vmlet {

// A process container's terminal (-t), seen from vmlet, which holds the master side of the pty
// that the container made in its own devpts (container_terminal.h): what the container shows
// goes to `out`, and what comes from `in` (when >= 0) is typed into it. The descriptors are
// borrowed. (A VM's terminal is the guest agent's, which relays it inside the VM.)
class PtyRelay {
public:
    PtyRelay(UniqueFd master, int in, int out);
    ~PtyRelay();
    PtyRelay(const PtyRelay&) = delete;
    PtyRelay& operator=(const PtyRelay&) = delete;

    // The terminal takes this size; the kernel sends its foreground process group SIGWINCH.
    void resize(TerminalSize size);

    // The container has exited: copies what is left of its output (reading the master side fails
    // with EIO once no process holds the terminal side), for `timeout` at most, then stops.
    void finish(std::chrono::milliseconds timeout);

private:
    UniqueFd m_master;
    UniqueFd m_stop; // an eventfd that ends both copiers
    std::atomic<bool> m_output_done { false };
    std::thread m_input, m_output;
};

}
