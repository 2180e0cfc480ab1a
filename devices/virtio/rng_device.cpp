#include "devices/virtio/rng_device.h"

#include "devices/virtio/virtio_spec.h"

#include <sys/random.h>

#include <algorithm>

namespace vmlet::virtio {

namespace {

// A guest may hand over buffers of any size; no single request takes more than this from the
// host's pool (the driver asks again for more, §5.4.6).
constexpr size_t kMaxBytesPerRequest = 64 * 1024;

size_t fill_random(std::span<uint8_t> buffer)
{
    size_t filled = 0;
    while (filled < buffer.size()) {
        ssize_t got = ::getrandom(buffer.data() + filled, buffer.size() - filled, 0);
        if (got <= 0)
            break;
        filled += size_t(got);
    }
    return filled;
}

}

Result<void> RngDevice::process_queue(uint16_t queue)
{
    auto& requests = context().queue(queue);
    for (;;) {
        auto chain = TRY(requests.next());
        if (!chain)
            return {};
        size_t budget = kMaxBytesPerRequest;
        uint32_t written = 0;
        for (auto segment : chain->writable) {
            auto piece = segment.first(std::min(segment.size(), budget));
            size_t filled = fill_random(piece);
            written += uint32_t(filled);
            budget -= filled;
            if (filled < piece.size() || budget == 0)
                break;
        }
        TRY(complete(queue, chain->head, written));
    }
}

}
