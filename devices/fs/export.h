#pragma once

#include "vmm/base/result.h"
#include "vmm/base/unique_fd.h"

#include <string>
#include <vector>

namespace vmlet::fs {

// What a share offers of the host: a directory, under a name when the share has several, and
// whether the guest may change it.
struct ExportConfig {
    std::string host_directory;
    std::string name; // empty for the one unnamed export
    bool read_only { false };
};

// An export opened: its directory as an O_PATH descriptor, taken before the monitor enters its
// jail (where the path may not exist), from which every lookup starts.
struct Export {
    UniqueFd root;
    std::string name;
    bool read_only { false };
};

// Opens every export's directory (following the host path the user gave, which is theirs to
// choose) and checks the list: one unnamed export, or only named ones with distinct valid names.
Result<std::vector<Export>> open_exports(const std::vector<ExportConfig>& configs);

}
