#pragma once

// The scratch tree of the fuzz targets that write files (layers, cp's tar extraction): one per
// process, on tmpfs so each run costs no disk I/O, removed when the process exits.

#include "tests/fuzz/fuzz_check.h"

#include <cstdlib>
#include <filesystem>
#include <set>
#include <string>
#include <system_error>

namespace vmlet::fuzz_support {

// /dev/shm/PREFIX-XXXXXX, made on the first call (later calls' prefix is not looked at). Never
// destroyed, so that the exit handler that removes the tree can still read its name.
inline const std::filesystem::path& scratch_tree(const char* prefix)
{
    static const std::filesystem::path* path = nullptr;
    if (!path) {
        std::string name = std::string("/dev/shm/") + prefix + "-XXXXXX";
        check(::mkdtemp(name.data()) != nullptr, "mkdtemp");
        path = new std::filesystem::path(name);
        std::atexit([] {
            std::error_code ignored;
            std::filesystem::remove_all(*path, ignored);
        });
    }
    return *path;
}

// The names directly in `directory`, sorted.
inline std::set<std::string> names_in(const std::filesystem::path& directory)
{
    std::set<std::string> names;
    for (const auto& entry : std::filesystem::directory_iterator(directory))
        names.insert(entry.path().filename());
    return names;
}

}
