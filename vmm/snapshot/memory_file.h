#pragma once

#include "vmm/base/result.h"
#include "vmm/memory/guest_memory.h"

#include <string>

namespace vmlet {

// Writes guest RAM to the new file `path` (created, never replaced), its regions one after another
// as GuestMemory::map_file() reads them back. Only pages the guest has written are written: a page
// that was never touched (not resident) or holds only zeros stays a hole, so a 256 MiB VM that used
// 30 MiB takes 30 MiB on disk.
Result<void> write_memory_file(const GuestMemory& memory, const std::string& path);

}
