#pragma once

#include "vmm/base/result.h"
#include "vmm/base/unique_fd.h"

#include <sys/epoll.h>

#include <functional>
#include <memory>
#include <mutex>
#include <thread>
#include <unordered_map>

namespace vmlet {

// One thread that waits on file descriptors (epoll) and runs their handlers: the device back-ends
// (virtqueue notifications, tap, sockets, console input) live here, so vCPU threads only ever
// touch registers and return to the guest.
class EventLoop {
public:
    using Handler = std::function<void(uint32_t events)>;

    static Result<std::unique_ptr<EventLoop>> create();
    ~EventLoop();

    // Safe from any thread, including from inside a handler (which may remove its own fd).
    Result<void> add(int fd, uint32_t events, Handler handler);
    Result<void> modify(int fd, uint32_t events);
    void remove(int fd);

    // The loop's thread; stop_and_join() ends it between two handlers (a paused VM's devices are
    // then quiescent), and start() may run it again.
    Result<void> start();
    void stop_and_join();
    // Runs, on the calling thread, the handlers of descriptors that are ready now. For a test or
    // fuzzer that drives the loop itself; never while the loop's own thread runs.
    void run_ready();

private:
    EventLoop(UniqueFd epoll, UniqueFd wake)
        : m_epoll(std::move(epoll))
        , m_wake(std::move(wake))
    {
    }
    void run();
    // Waits up to `timeout_ms` and runs the handlers of what is ready; false once woken to stop.
    bool dispatch(int timeout_ms);

    UniqueFd m_epoll;
    UniqueFd m_wake;
    std::mutex m_mutex;
    std::unordered_map<int, std::shared_ptr<Handler>> m_handlers;
    std::thread m_thread;
};

}
