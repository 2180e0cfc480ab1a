#include "containers/image/tar_stream.h"

#include <cerrno>

namespace vmlet::image {

namespace {

// How much of the blob the outer reader asks the kernel for at a time.
constexpr size_t kReadBlockSize = 64 * 1024;

std::string archive_message(archive* reader, std::string_view fallback)
{
    const char* message = archive_error_string(reader);
    return message && *message ? message : std::string(fallback);
}

}

// Errors say what is wrong with the stream, not which file it is: the caller names the layer.
Result<std::unique_ptr<TarStream>> TarStream::open(const std::string& path, uint64_t max_bytes)
{
    auto stream = std::unique_ptr<TarStream>(new TarStream());
    stream->m_max_bytes = max_bytes;

    // OCI image spec layer.md "Distributable Format": a layer is a tar, plain, gzip or zstd. Only
    // those two filters are enabled: support_filter_all would also let a hostile blob pick
    // decompressors that libarchive runs as external programs (lrzip, lzop, grzip). ARCHIVE_WARN
    // from either call means libarchive was built without the library and would do the same.
    stream->m_uncompressed.reset(archive_read_new());
    archive* outer = stream->m_uncompressed.get();
    if (!outer)
        return Error("out of memory");
    if (archive_read_support_filter_gzip(outer) != ARCHIVE_OK || archive_read_support_filter_zstd(outer) != ARCHIVE_OK)
        return Error("this libarchive cannot decompress gzip and zstd in-process");
    if (archive_read_support_format_raw(outer) != ARCHIVE_OK)
        return Error(archive_message(outer, "no raw format"));
    if (archive_read_open_filename(outer, path.c_str(), kReadBlockSize) != ARCHIVE_OK) {
        // A system errno (no such file) reads better than libarchive's text; libarchive's own
        // codes (archive_private.h: FILE_FORMAT is EILSEQ, PROGRAMMER is EINVAL) do not.
        int err = archive_errno(outer);
        if (err > 0 && err != EILSEQ && err != EINVAL)
            return errno_error(fmt::format("opening {}", path), err);
        return Error(archive_message(outer, "cannot open it"));
    }
    archive_entry* raw_entry = nullptr;
    if (archive_read_next_header(outer, &raw_entry) != ARCHIVE_OK)
        return Error(archive_message(outer, "it is empty"));

    // The inner reader knows only tar (ustar, pax, GNU) and no filters: a layer compressed twice
    // is not a layer.
    stream->m_tar.reset(archive_read_new());
    archive* tar = stream->m_tar.get();
    if (!tar)
        return Error("out of memory");
    if (archive_read_support_format_tar(tar) != ARCHIVE_OK)
        return Error(archive_message(tar, "no tar format"));
    if (archive_read_open(tar, stream.get(), nullptr, &TarStream::feed_tar, nullptr) != ARCHIVE_OK)
        return stream->tar_error();
    return stream;
}

la_ssize_t TarStream::feed_tar(archive*, void* self, const void** buffer)
{
    auto* stream = static_cast<TarStream*>(self);
    auto block = stream->read_uncompressed();
    if (!block.ok()) {
        stream->m_uncompress_error = block.error().message();
        *buffer = nullptr;
        return ARCHIVE_FATAL;
    }
    *buffer = block.value().data();
    return la_ssize_t(block.value().size());
}

Result<std::span<const uint8_t>> TarStream::read_uncompressed()
{
    // archive_read_data_block hands out the decompressor's own buffer, valid until the next call:
    // exactly the lifetime a libarchive read callback promises its caller.
    const void* data = nullptr;
    size_t size = 0;
    la_int64_t offset = 0;
    int status = archive_read_data_block(m_uncompressed.get(), &data, &size, &offset);
    if (status == ARCHIVE_EOF)
        return std::span<const uint8_t>();
    if (status != ARCHIVE_OK && status != ARCHIVE_WARN)
        return Error(archive_message(m_uncompressed.get(), "cannot decompress"));
    // The raw format reads the stream front to back; an offset elsewhere would mean a hole the
    // hash would silently skip.
    if (offset < 0 || uint64_t(offset) != m_bytes)
        return make_error("the decompressed stream is not contiguous at byte {}", m_bytes);
    // Before the bytes go anywhere; the decompressor has made at most one block more.
    if (size > m_max_bytes - m_bytes)
        return make_error("it decompresses to more than {} bytes, the cap {} sets", m_max_bytes, kMaxLayerSizeVariable);
    auto bytes = std::span(static_cast<const uint8_t*>(data), size);
    m_hash.update(bytes);
    m_bytes += size;
    return bytes;
}

Error TarStream::tar_error() const
{
    // A failure of the outer reader reaches the tar reader only as "read callback failed";
    // the outer reader's own message says what was wrong.
    if (m_uncompress_error)
        return Error(*m_uncompress_error);
    return Error(archive_message(m_tar.get(), "unreadable tar"));
}

Result<archive_entry*> TarStream::next_entry()
{
    archive_entry* entry = nullptr;
    for (;;) {
        int status = archive_read_next_header(m_tar.get(), &entry);
        if (status == ARCHIVE_EOF)
            return static_cast<archive_entry*>(nullptr);
        // ARCHIVE_WARN is a header libarchive could read but not convert perfectly (a name in
        // another character set); the entry itself is whole.
        if (status == ARCHIVE_OK || status == ARCHIVE_WARN)
            return entry;
        if (status != ARCHIVE_RETRY)
            return tar_error();
    }
}

Result<size_t> TarStream::read_data(std::span<uint8_t> buffer)
{
    la_ssize_t count = archive_read_data(m_tar.get(), buffer.data(), buffer.size());
    if (count < 0)
        return tar_error();
    return size_t(count);
}

Result<UnpackedLayer> TarStream::finish()
{
    // The tar reader stops at the end-of-archive marker; the diff_id is the digest of the whole
    // uncompressed stream, including the zero padding to the record size that follows it.
    for (;;) {
        auto block = TRY(read_uncompressed());
        if (block.empty())
            break;
    }
    return UnpackedLayer { .diff_id = m_hash.finish(), .tar_bytes = m_bytes };
}

}
