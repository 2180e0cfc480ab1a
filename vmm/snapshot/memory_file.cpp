#include "vmm/snapshot/memory_file.h"

#include "vmm/base/unique_fd.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <vector>

namespace vmlet {

namespace {

constexpr size_t kPage = 4096;

bool all_zero(const uint8_t* page)
{
    const auto* words = reinterpret_cast<const uint64_t*>(page);
    return std::all_of(words, words + kPage / sizeof(uint64_t), [](uint64_t word) { return word == 0; });
}

// Which pages of the region are resident (mincore(2)): a page the guest never touched is not, and
// reading it to find it all zeros would map the zero page for nothing.
std::vector<unsigned char> resident_pages(const GuestRegion& region)
{
    std::vector<unsigned char> resident((region.size + kPage - 1) / kPage, 1);
    if (::mincore(region.map.data(), region.size, resident.data()) < 0)
        std::fill(resident.begin(), resident.end(), 1); // unknown: look at every page
    return resident;
}

Result<void> write_region(int fd, const GuestRegion& region, uint64_t file_offset)
{
    auto resident = resident_pages(region);
    const uint8_t* base = region.map.data();
    size_t pages = region.size / kPage;
    for (size_t page = 0; page < pages;) {
        if (!(resident[page] & 1) || all_zero(base + page * kPage)) {
            ++page;
            continue;
        }
        size_t run = page;
        while (run < pages && (resident[run] & 1) && !all_zero(base + run * kPage))
            ++run;
        size_t length = (run - page) * kPage;
        for (size_t done = 0; done < length;) {
            ssize_t written = ::pwrite(fd, base + page * kPage + done, length - done, static_cast<off_t>(file_offset + page * kPage + done));
            if (written < 0 && errno == EINTR)
                continue;
            if (written <= 0)
                return errno_error("writing guest memory");
            done += static_cast<size_t>(written);
        }
        page = run;
    }
    return {};
}

}

Result<void> write_memory_file(const GuestMemory& memory, const std::string& path)
{
    // Guest memory holds whatever the guest keeps secret: the file is its owner's alone.
    UniqueFd fd(::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600));
    if (!fd.valid())
        return errno_error(fmt::format("cannot create {}", path));
    if (::ftruncate(fd.get(), static_cast<off_t>(memory.total_size())) < 0)
        return errno_error(fmt::format("cannot size {}", path));
    uint64_t offset = 0;
    for (const auto& region : memory.regions()) {
        TRY_CONTEXT(write_region(fd.get(), region, offset), path);
        offset += region.size;
    }
    return {};
}

}
