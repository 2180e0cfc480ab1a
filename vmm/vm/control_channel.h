#pragma once

#include <vector>

namespace vmlet {

// Something besides the guest that the VM's main thread waits on, and serves when it is ready:
// the control socket (vmm/api). It runs on the main thread, so it may pause the machine, save it
// and resume it without racing the stop logic.
class ControlChannel {
public:
    virtual ~ControlChannel() = default;
    // The descriptors to wait on for reading.
    virtual std::vector<int> fds() const = 0;
    // `fd`, one of fds(), is readable (or hung up).
    virtual void serve(int fd) = 0;
};

}
