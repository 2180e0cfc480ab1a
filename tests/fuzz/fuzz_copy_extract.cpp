// Fuzzes docker cp's tar extraction (containers/runtime/copy/tar_extractor.cpp), which unpacks the
// tar of `vmlet cp - CONTAINER:DIR` (the user's bytes) and of a copy out of a container beneath a
// directory of a hostile container or of the host.
// Input: the tar stream, byte for byte.
// Checks, whether the stream is accepted or refused: nothing appears beside the destination
// directory (an escape through "..", an absolute path, a symlink or a hard link would land there
// first: the seeds point links at it); the file beside it is unchanged; the destination holds only
// directories, regular files, symlinks and FIFOs, never a device node.

#include "containers/runtime/copy/tar_extractor.h"
#include "tests/fuzz/fuzz_check.h"
#include "tests/fuzz/fuzz_scratch.h"
#include "vmm/base/unique_fd.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <set>
#include <string>
#include <system_error>

using vmlet::fuzz_support::check;
using vmlet::fuzz_support::names_in;
using vmlet::fuzz_support::scratch_tree;
namespace fs = std::filesystem;

namespace {

// The scratch tree: base/out/destination is made anew for every run, base/out/beside must never change.
const fs::path& base()
{
    return scratch_tree("vmlet-fuzz-copy");
}

bool allowed_node(const fs::path& path)
{
    struct stat status {};
    if (::lstat(path.c_str(), &status) != 0)
        return false;
    auto type = status.st_mode & S_IFMT;
    return type == S_IFDIR || type == S_IFREG || type == S_IFLNK || type == S_IFIFO;
}

std::string read_file(const fs::path& path)
{
    std::ifstream file(path, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(file), {});
}

}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
    const auto out = base() / "out";
    const auto destination = out / "destination";
    const auto beside = out / "beside";
    fs::create_directories(destination);
    std::ofstream(beside) << "unchanged";
    const auto input_path = base() / "input";
    {
        std::ofstream file(input_path, std::ios::binary | std::ios::trunc);
        file.write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(size));
        check(file.good(), "writing the input");
    }
    vmlet::UniqueFd input(::open(input_path.c_str(), O_RDONLY | O_CLOEXEC));
    vmlet::UniqueFd into(::open(destination.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
    check(input.valid() && into.valid(), "opening the input and the destination");

    auto extracted = vmlet::extract_tar_beneath(input.get(), into.get(), { .max_bytes = 1 << 20, .max_entries = 1000 });
    if (!extracted.ok())
        check(!extracted.error().message().empty(), "an error without a message");

    check(names_in(out) == std::set<std::string> { "destination", "beside" }, "something written beside the destination");
    check(read_file(beside) == "unchanged", "the file beside the destination changed");
    std::error_code error;
    for (auto it = fs::recursive_directory_iterator(destination, error); !error && it != fs::recursive_directory_iterator(); it.increment(error))
        check(allowed_node(it->path()), "a device node or socket in the destination");
    fs::remove_all(out);
    return 0;
}
