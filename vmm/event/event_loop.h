#pragma once

#include "vmm/base/result.h"
#include "vmm/base/thread_setup.h"
#include "vmm/base/unique_fd.h"

#include <sys/epoll.h>

#include <condition_variable>
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

    // The loop's thread, which runs `setup` first: start() returns once it has (with its error, if
    // it failed). The one thread lives until stop_and_join(), which ends it between two handlers;
    // pause() parks it there (a paused VM's devices are then quiescent) and resume() lets it go
    // on, so that no thread is made after the VM's filters are in place.
    Result<void> start(ThreadSetup setup = {});
    void pause();
    void resume();
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
    // Waits up to `timeout_ms` and runs the handlers of what is ready; false once woken.
    bool dispatch(int timeout_ms);
    // Woken: parks while a pause lasts; false once the loop is to end.
    bool keep_running();
    void wake();

    UniqueFd m_epoll;
    UniqueFd m_wake;
    std::mutex m_mutex;
    std::unordered_map<int, std::shared_ptr<Handler>> m_handlers;
    std::thread m_thread;

    // What the loop's thread is asked (pause, stop) and whether it has parked; under m_control.
    std::mutex m_control;
    std::condition_variable m_control_changed;
    bool m_pause_requested { false };
    bool m_parked { false };
    bool m_stop_requested { false };
};

}
