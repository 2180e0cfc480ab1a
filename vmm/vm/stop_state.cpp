#include "vmm/vm/stop_state.h"

#include <sys/eventfd.h>
#include <unistd.h>

namespace vmlet {

Result<std::unique_ptr<StopState>> StopState::create()
{
    int fd = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    if (fd < 0)
        return errno_error("eventfd");
    return std::unique_ptr<StopState>(new StopState(UniqueFd(fd)));
}

void StopState::request(StopReason reason)
{
    {
        std::scoped_lock guard(m_lock);
        if (m_reason)
            return;
        m_reason = std::move(reason);
        m_stopped.store(true, std::memory_order_release);
    }
    uint64_t one = 1;
    (void)::write(m_event.get(), &one, sizeof(one));
}

StopReason StopState::reason() const
{
    std::scoped_lock guard(m_lock);
    return m_reason.value_or(StopReason { StopKind::VmmFailure, 0, "the VM stopped for no recorded reason" });
}

void StopState::mark_init_reached()
{
    std::scoped_lock guard(m_lock);
    if (!m_init_reached)
        m_init_reached = std::chrono::steady_clock::now();
}

std::optional<std::chrono::steady_clock::time_point> StopState::init_reached_at() const
{
    std::scoped_lock guard(m_lock);
    return m_init_reached;
}

}
