#include "devices/virtio/console_device.h"

#include "devices/virtio/chain_io.h"

#include <unistd.h>

#include <algorithm>

namespace vmlet::virtio {

void ConsoleDevice::read_config(uint64_t offset, std::span<uint8_t> data) const
{
    // §5.3.4: cols, rows (only with VIRTIO_CONSOLE_F_SIZE), max_nr_ports (with MULTIPORT): one port.
    copy_config_field(offset, data, 4, uint32_t(1));
}

void ConsoleDevice::save_state(StateWriter& writer) const
{
    writer.bytes(std::vector<uint8_t>(m_input.begin(), m_input.end()));
}

Result<void> ConsoleDevice::restore_state(StateReader& reader)
{
    auto input = TRY(reader.bytes("pending input", kInputCapacity));
    m_input.assign(input.begin(), input.end());
    return {};
}

Result<void> ConsoleDevice::process_queue(uint16_t queue)
{
    if (queue == kTransmitQueue)
        return transmit();
    return deliver_input();
}

Result<void> ConsoleDevice::transmit()
{
    auto& queue = context().queue(kTransmitQueue);
    for (;;) {
        auto chain = TRY(queue.next());
        if (!chain)
            break;
        for (auto segment : chain->readable)
            m_output.write(segment);
        TRY(queue.push_used(chain->head, 0));
    }
    return notify_used(kTransmitQueue);
}

Result<void> ConsoleDevice::deliver_input()
{
    auto& queue = context().queue(kReceiveQueue);
    bool delivered = false;
    while (!m_input.empty()) {
        auto chain = TRY(queue.pop());
        if (!chain)
            break;
        ChainWriter writer(chain->writable);
        size_t count = size_t(std::min<uint64_t>(writer.remaining(), m_input.size()));
        std::vector<uint8_t> bytes(m_input.begin(), m_input.begin() + std::ptrdiff_t(count));
        writer.write(bytes);
        m_input.erase(m_input.begin(), m_input.begin() + std::ptrdiff_t(count));
        TRY(queue.push_used(chain->head, writer.written()));
        delivered = true;
    }
    return delivered ? notify_used(kReceiveQueue) : Result<void> {};
}

size_t ConsoleDevice::push_input(std::span<const uint8_t> bytes)
{
    std::lock_guard lock(mutex());
    if (!active())
        return 0;
    size_t count = std::min(bytes.size(), kInputCapacity - m_input.size());
    m_input.insert(m_input.end(), bytes.begin(), bytes.begin() + std::ptrdiff_t(count));
    auto delivered = deliver_input();
    if (!delivered.ok())
        context().fail(delivered.error());
    return count;
}

size_t ConsoleDevice::input_space()
{
    std::lock_guard lock(mutex());
    return active() ? kInputCapacity - m_input.size() : 0;
}

}
