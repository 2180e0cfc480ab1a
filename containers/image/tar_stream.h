#pragma once

#include "vmm/base/result.h"
#include "containers/image/digest.h"
#include "containers/image/image_limits.h"
#include "containers/image/layer_unpacker.h"

#include <archive.h>
#include <archive_entry.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>

namespace vmlet::image {

// A layer blob read as a tar archive in one pass. An outer libarchive reader (format "raw", filters
// gzip and zstd, OCI image spec layer.md "Distributable Format") yields the uncompressed stream; every
// byte of it is hashed on its way into an inner tar reader, so the diff_id (OCI config.md
// rootfs.diff_ids) comes out of the same read that unpacks the layer.
class TarStream {
public:
    // Heap-allocated because the inner reader keeps a pointer to it. Errors from here on say what
    // is wrong with the stream, not which blob it is: the caller names the layer. Decompressing
    // past `max_bytes` (ImageLimits::layer_bytes) is an error: a bomb stops there.
    static Result<std::unique_ptr<TarStream>> open(const std::string& path, uint64_t max_bytes);

    TarStream(const TarStream&) = delete;
    TarStream& operator=(const TarStream&) = delete;

    // The next entry, or nullptr after the last one; valid until the next call.
    Result<archive_entry*> next_entry();
    // Reads the current entry's data into `buffer`; 0 at its end. Holes in sparse entries read as zeros.
    Result<size_t> read_data(std::span<uint8_t> buffer);
    // Reads whatever follows the tar's end-of-archive marker, which the diff_id covers too, and returns
    // the digest and length of the whole uncompressed stream.
    Result<UnpackedLayer> finish();

private:
    TarStream() = default;

    static la_ssize_t feed_tar(archive* tar, void* self, const void** buffer);
    Result<std::span<const uint8_t>> read_uncompressed();
    Error tar_error() const;

    struct Free {
        void operator()(archive* reader) const { archive_read_free(reader); }
    };
    // Declared outer first so the tar reader, which reads from it, is freed first.
    std::unique_ptr<archive, Free> m_uncompressed;
    std::unique_ptr<archive, Free> m_tar;
    std::optional<std::string> m_uncompress_error;
    Sha256 m_hash;
    uint64_t m_bytes { 0 };
    uint64_t m_max_bytes { 0 };
};

}
