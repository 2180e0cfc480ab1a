#include "vmm/event/event_loop.h"

#include <signal.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <future>

namespace vmlet {

Result<std::unique_ptr<EventLoop>> EventLoop::create()
{
    int epoll = ::epoll_create1(EPOLL_CLOEXEC);
    if (epoll < 0)
        return errno_error("epoll_create1");
    UniqueFd epoll_fd(epoll);
    int wake = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    if (wake < 0)
        return errno_error("eventfd");
    UniqueFd wake_fd(wake);
    epoll_event event {};
    event.events = EPOLLIN;
    event.data.fd = wake;
    if (::epoll_ctl(epoll, EPOLL_CTL_ADD, wake, &event) < 0)
        return errno_error("epoll_ctl");
    return std::unique_ptr<EventLoop>(new EventLoop(std::move(epoll_fd), std::move(wake_fd)));
}

EventLoop::~EventLoop() { stop_and_join(); }

Result<void> EventLoop::add(int fd, uint32_t events, Handler handler)
{
    std::lock_guard lock(m_mutex);
    epoll_event event {};
    event.events = events;
    event.data.fd = fd;
    if (::epoll_ctl(m_epoll.get(), EPOLL_CTL_ADD, fd, &event) < 0)
        return errno_error("epoll_ctl(ADD)");
    m_handlers[fd] = std::make_shared<Handler>(std::move(handler));
    return {};
}

Result<void> EventLoop::modify(int fd, uint32_t events)
{
    epoll_event event {};
    event.events = events;
    event.data.fd = fd;
    if (::epoll_ctl(m_epoll.get(), EPOLL_CTL_MOD, fd, &event) < 0)
        return errno_error("epoll_ctl(MOD)");
    return {};
}

void EventLoop::remove(int fd)
{
    std::lock_guard lock(m_mutex);
    ::epoll_ctl(m_epoll.get(), EPOLL_CTL_DEL, fd, nullptr);
    m_handlers.erase(fd);
}

Result<void> EventLoop::start(ThreadSetup setup)
{
    {
        std::lock_guard lock(m_control);
        m_pause_requested = m_parked = m_stop_requested = false;
    }
    // The loop must not take the signals vmlet's main thread waits for (it blocks them before
    // starting threads), nor vCPU kicks. The thread owns the promise, so it outlives set_value().
    std::promise<Result<void>> prepared;
    auto setup_done = prepared.get_future();
    try {
        m_thread = std::thread([this, setup = std::move(setup), prepared = std::move(prepared)]() mutable {
            auto result = setup ? setup() : Result<void>();
            bool ready = result.ok();
            prepared.set_value(std::move(result));
            if (ready)
                run();
        });
    } catch (const std::system_error& error) {
        return make_error("cannot start the device thread: {}", error.what());
    }
    auto result = setup_done.get();
    if (!result.ok()) {
        m_thread.join();
        return result.release_error().with_context("the device thread");
    }
    return {};
}

void EventLoop::pause()
{
    std::unique_lock lock(m_control);
    if (!m_thread.joinable())
        return;
    m_pause_requested = true;
    wake();
    m_control_changed.wait(lock, [&] { return m_parked; });
}

void EventLoop::resume()
{
    std::lock_guard lock(m_control);
    m_pause_requested = false;
    m_control_changed.notify_all();
}

void EventLoop::stop_and_join()
{
    if (!m_thread.joinable())
        return;
    {
        std::lock_guard lock(m_control);
        m_stop_requested = true;
        m_control_changed.notify_all();
    }
    wake();
    m_thread.join();
}

void EventLoop::wake()
{
    uint64_t one = 1;
    (void)!::write(m_wake.get(), &one, sizeof(one));
}

void EventLoop::run()
{
    while (dispatch(-1) || keep_running()) { }
}

bool EventLoop::keep_running()
{
    // Drained, so that the next wait does not end at once.
    uint64_t count;
    (void)!::read(m_wake.get(), &count, sizeof(count));
    std::unique_lock lock(m_control);
    if (m_pause_requested && !m_stop_requested) {
        m_parked = true;
        m_control_changed.notify_all();
        m_control_changed.wait(lock, [&] { return !m_pause_requested || m_stop_requested; });
        m_parked = false;
    }
    return !m_stop_requested;
}

void EventLoop::run_ready()
{
    dispatch(0);
}

bool EventLoop::dispatch(int timeout_ms)
{
    constexpr int kBatch = 32;
    epoll_event events[kBatch];
    int count = ::epoll_wait(m_epoll.get(), events, kBatch, timeout_ms);
    bool woken = false;
    // Every event of the batch is handled, also those after a wake: an edge-triggered one (a
    // vsock connection's) would not be reported again.
    for (int index = 0; index < count; ++index) {
        int fd = events[index].data.fd;
        if (fd == m_wake.get()) {
            woken = true;
            continue;
        }
        std::shared_ptr<Handler> handler;
        {
            std::lock_guard lock(m_mutex);
            auto found = m_handlers.find(fd);
            if (found == m_handlers.end())
                continue; // removed by an earlier handler in this batch
            handler = found->second;
        }
        (*handler)(events[index].events);
    }
    return !woken; // also true after EINTR (count < 0)
}

}
