#include "vmm/base/state_stream.h"

namespace vmlet {

namespace {

// Longest section name: they are short words the code chooses ("vcpu 0", "virtio-mmio 2").
constexpr size_t kMaxSectionName = 64;

}

void StateWriter::put(const void* data, size_t size)
{
    auto bytes = static_cast<const uint8_t*>(data);
    m_data.insert(m_data.end(), bytes, bytes + size);
}

void StateWriter::bytes(std::span<const uint8_t> data)
{
    u32(static_cast<uint32_t>(data.size()));
    put(data.data(), data.size());
}

void StateWriter::section(std::string_view name, const std::function<void(StateWriter&)>& fill)
{
    StateWriter inner;
    fill(inner);
    string(name);
    bytes(inner.data());
}

Error StateReader::failure(std::string_view what, std::string_view problem) const
{
    return make_error("{}: '{}' {}", m_context, what, problem);
}

Result<std::span<const uint8_t>> StateReader::take(std::string_view what, size_t size)
{
    if (size > m_data.size() - m_offset)
        return failure(what, "is cut short");
    auto data = m_data.subspan(m_offset, size);
    m_offset += size;
    return data;
}

Result<uint8_t> StateReader::u8(std::string_view what)
{
    return TRY(take(what, 1))[0];
}

Result<uint16_t> StateReader::u16(std::string_view what)
{
    return get_le<uint16_t>(what);
}

Result<uint32_t> StateReader::u32(std::string_view what)
{
    return get_le<uint32_t>(what);
}

Result<uint64_t> StateReader::u64(std::string_view what)
{
    return get_le<uint64_t>(what);
}

Result<bool> StateReader::boolean(std::string_view what)
{
    auto value = TRY(u8(what));
    if (value > 1)
        return failure(what, fmt::format("is {}, not 0 or 1", value));
    return value == 1;
}

Result<std::span<const uint8_t>> StateReader::bytes(std::string_view what, size_t max)
{
    auto size = TRY(u32(what));
    if (size > max)
        return failure(what, fmt::format("is {} bytes, more than {}", size, max));
    return take(what, size);
}

Result<std::string> StateReader::string(std::string_view what, size_t max)
{
    auto data = TRY(bytes(what, max));
    return std::string(reinterpret_cast<const char*>(data.data()), data.size());
}

Result<StateReader> StateReader::section(std::string_view name)
{
    auto found = TRY(string("section name", kMaxSectionName));
    if (found != name)
        return failure(name, fmt::format("is missing (found section '{}')", found));
    auto payload = TRY(bytes(name, m_data.size()));
    return StateReader(payload, fmt::format("{}: {}", m_context, name));
}

Result<void> StateReader::expect_end() const
{
    if (!at_end())
        return make_error("{}: {} bytes more than expected", m_context, m_data.size() - m_offset);
    return {};
}

}
