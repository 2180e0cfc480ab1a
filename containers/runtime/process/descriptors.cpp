#include "containers/runtime/process/descriptors.h"

#include <unistd.h>

#include <array>
#include <cerrno>

namespace vmlet {

bool close_other_descriptors(std::initializer_list<int> keep)
{
    // The kept descriptors in ascending order (an insertion sort: a handful, and no allocation).
    std::array<unsigned, 8> kept {};
    size_t count = 0;
    for (int fd : keep) {
        if (fd < 3)
            continue;
        if (count == kept.size()) {
            errno = EINVAL;
            return false;
        }
        size_t at = count++;
        for (; at > 0 && kept[at - 1] > static_cast<unsigned>(fd); --at)
            kept[at] = kept[at - 1];
        kept[at] = static_cast<unsigned>(fd);
    }
    unsigned first = 3;
    for (size_t index = 0; index < count; ++index) {
        if (kept[index] > first && ::close_range(first, kept[index] - 1, 0) < 0)
            return false;
        if (kept[index] >= first)
            first = kept[index] + 1;
    }
    return ::close_range(first, ~0U, 0) == 0;
}

}
