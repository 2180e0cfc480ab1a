#include "devices/virtio/chain_io.h"

#include <algorithm>
#include <cstring>

namespace vmlet::virtio {

namespace {

// Moves through `segments` from (segment, offset), handing each piece of up to `length` bytes to
// `visit`. Returns how many bytes were visited.
template<typename Visit>
uint64_t walk(std::span<const std::span<uint8_t>> segments, size_t& segment, size_t& offset, uint64_t length, Visit visit)
{
    uint64_t done = 0;
    while (done < length && segment < segments.size()) {
        auto current = segments[segment];
        size_t piece = size_t(std::min<uint64_t>(current.size() - offset, length - done));
        visit(current.data() + offset, piece, done);
        done += piece;
        offset += piece;
        if (offset == current.size()) {
            ++segment;
            offset = 0;
        }
    }
    return done;
}

uint64_t remaining_in(std::span<const std::span<uint8_t>> segments, size_t segment, size_t offset)
{
    uint64_t total = 0;
    for (size_t index = segment; index < segments.size(); ++index)
        total += segments[index].size();
    return total - offset;
}

}

bool ChainReader::read(std::span<uint8_t> out)
{
    auto done = walk(m_segments, m_segment, m_offset, out.size(),
        [&](uint8_t* data, size_t piece, uint64_t at) { std::memcpy(out.data() + at, data, piece); });
    return done == out.size();
}

bool ChainReader::take(uint64_t length, std::vector<iovec>& out)
{
    if (remaining() < length)
        return false;
    walk(m_segments, m_segment, m_offset, length, [&](uint8_t* data, size_t piece, uint64_t) { out.push_back({ data, piece }); });
    return true;
}

uint64_t ChainReader::remaining() const { return remaining_in(m_segments, m_segment, m_offset); }

bool ChainWriter::write(std::span<const uint8_t> bytes)
{
    auto done = walk(m_segments, m_segment, m_offset, bytes.size(),
        [&](uint8_t* data, size_t piece, uint64_t at) { std::memcpy(data, bytes.data() + at, piece); });
    m_written += uint32_t(done);
    return done == bytes.size();
}

bool ChainWriter::take(uint64_t length, std::vector<iovec>& out)
{
    if (remaining() < length)
        return false;
    walk(m_segments, m_segment, m_offset, length, [&](uint8_t* data, size_t piece, uint64_t) { out.push_back({ data, piece }); });
    m_written += uint32_t(length);
    return true;
}

uint64_t ChainWriter::remaining() const { return remaining_in(m_segments, m_segment, m_offset); }

}
