#pragma once

#include "boot/kernel_loader.h"

#include <string>
#include <vector>

namespace vmlet::test {

inline GuestMemory memory_of(uint64_t bytes)
{
    return GuestMemory::create({ { GuestAddress(0), bytes } }, MemoryBacking::Plain).release_value();
}

// "loaded", or the loader's error message for `image`.
inline std::string load_error(const std::vector<uint8_t>& image, uint64_t memory_bytes)
{
    auto memory = memory_of(memory_bytes);
    auto result = load_kernel(memory, image);
    return result.ok() ? std::string("loaded") : result.error().message();
}

}
