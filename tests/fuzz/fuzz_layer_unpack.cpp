// Fuzzes the layer unpacker (containers/image/layer_unpacker.cpp and tar_stream.cpp), which turns
// an image's layer blob, from any registry or archive, into an overlayfs lower directory.
// Input: the layer blob, byte for byte (a tar, plain, gzip or zstd).
// Checks, whether the layer is accepted or refused: nothing appears beside the destination
// directory or beside the blob (an escape through "..", a symlink or a hard link would land there
// first: the seeds point links at both); the blob is unchanged; the destination holds only
// directories, regular files, symlinks, FIFOs and whiteouts (0/0 character devices), never another
// device node. An accepted uncompressed layer's diff_id is the blob's own digest, over all of it.

#include "containers/image/layer_unpacker.h"
#include "tests/fuzz/fuzz_check.h"
#include "tests/fuzz/fuzz_scratch.h"

#include <sys/stat.h>
#include <sys/sysmacros.h>

#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <set>
#include <string>
#include <system_error>

using namespace vmlet::image;
using vmlet::fuzz_support::check;
using vmlet::fuzz_support::names_in;
using vmlet::fuzz_support::scratch_tree;
namespace fs = std::filesystem;

namespace {

// The scratch tree: base/blob is the input, base/out/layer the destination, made anew for every run.
const fs::path& base()
{
    return scratch_tree("vmlet-fuzz-layer");
}

bool allowed_node(const fs::path& path)
{
    struct stat status {};
    if (::lstat(path.c_str(), &status) != 0)
        return false;
    switch (status.st_mode & S_IFMT) {
    case S_IFDIR:
    case S_IFREG:
    case S_IFLNK:
    case S_IFIFO:
        return true;
    case S_IFCHR:
        return status.st_rdev == ::makedev(0, 0); // a whiteout
    default:
        return false;
    }
}

// Whether the outer reader will take `blob` for gzip (RFC 1952) or zstd (RFC 8878): only those
// two filters are enabled, so any other blob is the tar stream itself.
bool compressed(std::string_view blob)
{
    return blob.starts_with("\x1f\x8b") || blob.starts_with("\x28\xb5\x2f\xfd");
}

std::string read_file(const fs::path& path)
{
    std::ifstream file(path, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(file), {});
}

}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
    const std::string blob(reinterpret_cast<const char*>(data), size);
    const auto blob_path = base() / "blob";
    const auto out = base() / "out";
    const auto layer = out / "layer";
    {
        std::ofstream file(blob_path, std::ios::binary | std::ios::trunc);
        file.write(blob.data(), static_cast<std::streamsize>(blob.size()));
        check(file.good(), "writing the blob");
    }
    fs::create_directories(layer);

    auto unpacked = unpack_layer(blob_path, layer);
    if (unpacked.ok() && !compressed(blob)) {
        check(unpacked.value().diff_id == Digest::of(std::string_view(blob)) && unpacked.value().tar_bytes == blob.size(),
            "an uncompressed layer's diff_id is not the blob's own digest");
    } else if (!unpacked.ok()) {
        check(!unpacked.error().message().empty(), "an error without a message");
    }

    check(names_in(out) == std::set<std::string> { "layer" }, "something written beside the layer's directory");
    check(names_in(base()) == std::set<std::string> { "blob", "out" }, "something written beside the blob");
    check(read_file(blob_path) == blob, "the blob changed");
    std::error_code error;
    for (auto it = fs::recursive_directory_iterator(layer, error); !error && it != fs::recursive_directory_iterator(); it.increment(error))
        check(allowed_node(it->path()), "a device node or socket in the layer");

    // remove_all never follows a symlink, so it cannot reach outside either.
    fs::remove_all(out);
    return 0;
}
