#include "devices/legacy/i8042.h"

#include <algorithm>

namespace vmlet {

constexpr uint64_t kCommandPort = 4; // 0x64
constexpr uint8_t kPulseResetLine = 0xfe;

I8042::I8042(std::function<void()> on_reset)
    : m_on_reset(std::move(on_reset))
{
}

void I8042::read(uint64_t, std::span<uint8_t> data)
{
    // Status 0: both buffers empty, so the guest never waits on the controller.
    std::fill(data.begin(), data.end(), 0);
}

void I8042::write(uint64_t offset, std::span<const uint8_t> data)
{
    if (offset == kCommandPort && !data.empty() && data[0] == kPulseResetLine)
        m_on_reset();
}

}
