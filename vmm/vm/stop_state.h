#pragma once

#include "vmm/base/result.h"
#include "vmm/base/unique_fd.h"

#include <atomic>
#include <chrono>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

namespace vmlet {

enum class StopKind {
    ExitStatus,   // our init reported the command's exit status
    PowerOff,     // the guest powered off or reset without reporting a status
    Signal,       // vmlet received SIGINT or SIGTERM
    UserQuit,     // the console escape (Ctrl-A x)
    Requested,    // a stop asked for on the control socket (vmm/api)
    GuestFailure, // triple fault, emulation failure, failed entry: the guest cannot go on
    VmmFailure,   // vmlet's own error
};

struct StopReason {
    StopKind kind;
    int value { 0 };     // exit status or signal number
    std::string message; // for failures: one sentence
};

// Why and when the VM stops. Any thread may request a stop; the first request wins and wakes the
// main thread through an eventfd.
class StopState {
public:
    static Result<std::unique_ptr<StopState>> create();

    StopState(const StopState&) = delete;
    StopState& operator=(const StopState&) = delete;

    void request(StopReason reason);
    bool stopped() const { return m_stopped.load(std::memory_order_acquire); }
    StopReason reason() const;
    int wake_fd() const { return m_event.get(); }

    void mark_init_reached();
    std::optional<std::chrono::steady_clock::time_point> init_reached_at() const;

private:
    explicit StopState(UniqueFd event)
        : m_event(std::move(event))
    {
    }

    UniqueFd m_event;
    mutable std::mutex m_lock;
    std::atomic<bool> m_stopped { false };
    std::optional<StopReason> m_reason;
    std::optional<std::chrono::steady_clock::time_point> m_init_reached;
};

}
