#include "devices/legacy/exit_port.h"

#include <algorithm>

namespace vmlet {

ExitPort::ExitPort(std::function<void(uint8_t)> on_exit_status, std::function<void()> on_init_reached)
    : m_on_exit_status(std::move(on_exit_status))
    , m_on_init_reached(std::move(on_init_reached))
{
}

void ExitPort::read(uint64_t, std::span<uint8_t> data)
{
    std::fill(data.begin(), data.end(), 0);
}

void ExitPort::write(uint64_t offset, std::span<const uint8_t> data)
{
    if (data.empty())
        return;
    if (offset == 0)
        m_on_exit_status(data[0]);
    else if (offset == 1)
        m_on_init_reached();
}

}
