#pragma once

#include "vmm/base/unique_fd.h"

#include <cstdint>
#include <span>

namespace vmlet {

// Where a console's output goes (vmlet's standard output), without ever blocking the guest: a
// host that stops reading (a terminal on hold, `vmlet boot ... | sleep 1000`) would otherwise stall
// the vCPU or device thread that writes, and every device with it. Writes are non-blocking on a
// file description of the console's own; when the reader has not taken anything for a while
// (kStallTimeout), output is dropped until it takes bytes again. A regular file never blocks and is
// written as it is.
class ConsoleOutput {
public:
    static constexpr int kStallTimeoutMs = 100;

    explicit ConsoleOutput(int fd);

    void write(std::span<const uint8_t> data);

private:
    int m_fd;          // what is written to: `fd` itself, or m_own's description of it
    UniqueFd m_own;    // a non-blocking description of the same pipe, terminal or socket
    bool m_stalled { false };
};

}
