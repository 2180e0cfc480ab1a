#include "vmm/event/event_loop.h"

#include <signal.h>
#include <sys/eventfd.h>
#include <unistd.h>

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

Result<void> EventLoop::start()
{
    // The loop must not take the signals vmlet's main thread waits for (it blocks them before
    // starting threads), nor vCPU kicks.
    try {
        m_thread = std::thread([this] { run(); });
    } catch (const std::system_error& error) {
        return make_error("cannot start the device thread: {}", error.what());
    }
    return {};
}

void EventLoop::stop_and_join()
{
    if (!m_thread.joinable())
        return;
    uint64_t one = 1;
    (void)!::write(m_wake.get(), &one, sizeof(one));
    m_thread.join();
    // Drained, so that a start() after this one (a paused VM resuming) is not woken at once.
    (void)!::read(m_wake.get(), &one, sizeof(one));
}

void EventLoop::run()
{
    while (dispatch(-1)) { }
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
    for (int index = 0; index < count; ++index) {
        int fd = events[index].data.fd;
        if (fd == m_wake.get())
            return false;
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
    return true; // also after EINTR (count < 0)
}

}
