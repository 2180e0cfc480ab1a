#pragma once

#include "vmm/base/result.h"

#include <cstdint>
#include <cstring>
#include <functional>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

namespace vmlet {

// A saved VM's state as bytes (vmm/snapshot): little-endian fixed-width integers, length-prefixed
// byte strings, and named sections that each hold one component's state. A component writes its
// fields in an order and reads them back in the same order; the version of the whole format lives
// in the snapshot's header, not here.
class StateWriter {
public:
    void u8(uint8_t value) { put(&value, 1); }
    void u16(uint16_t value) { put_le(value); }
    void u32(uint32_t value) { put_le(value); }
    void u64(uint64_t value) { put_le(value); }
    void boolean(bool value) { u8(value ? 1 : 0); }
    // A u32 length, then the bytes.
    void bytes(std::span<const uint8_t> data);
    void string(std::string_view text) { bytes({ reinterpret_cast<const uint8_t*>(text.data()), text.size() }); }
    // A structure KVM defines (kvm_regs, kvm_lapic_state, ...), byte for byte, with its size as the
    // length: read back only into the same structure of the same size.
    template<typename T>
    void raw(const T& value)
    {
        static_assert(std::is_trivially_copyable_v<T>);
        bytes({ reinterpret_cast<const uint8_t*>(&value), sizeof(T) });
    }
    // A named section: its name, a u32 length, then what `fill` writes.
    void section(std::string_view name, const std::function<void(StateWriter&)>& fill);

    const std::vector<uint8_t>& data() const { return m_data; }

private:
    void put(const void* data, size_t size);
    template<typename T>
    void put_le(T value)
    {
        uint8_t bytes[sizeof(T)];
        for (size_t i = 0; i < sizeof(T); i++)
            bytes[i] = static_cast<uint8_t>(value >> (8 * i));
        put(bytes, sizeof(T));
    }

    std::vector<uint8_t> m_data;
};

// Reads what a StateWriter wrote. The bytes come from a file that may be truncated or altered:
// every read is bounds-checked, and a short or malformed stream is an error that names the field
// ("snapshot: serial: 'line control' is cut short").
class StateReader {
public:
    explicit StateReader(std::span<const uint8_t> data, std::string context = "snapshot")
        : m_data(data)
        , m_context(std::move(context))
    {
    }

    Result<uint8_t> u8(std::string_view what);
    Result<uint16_t> u16(std::string_view what);
    Result<uint32_t> u32(std::string_view what);
    Result<uint64_t> u64(std::string_view what);
    Result<bool> boolean(std::string_view what);
    // At most `max` bytes; more is an error.
    Result<std::span<const uint8_t>> bytes(std::string_view what, size_t max);
    Result<std::string> string(std::string_view what, size_t max);
    template<typename T>
    Result<T> raw(std::string_view what)
    {
        static_assert(std::is_trivially_copyable_v<T>);
        auto data = TRY(bytes(what, sizeof(T)));
        if (data.size() != sizeof(T))
            return failure(what, fmt::format("is {} bytes, not {}", data.size(), sizeof(T)));
        T value;
        std::memcpy(&value, data.data(), sizeof(T));
        return value;
    }
    // The next section, which must be called `name`: a reader over just its bytes.
    Result<StateReader> section(std::string_view name);

    bool at_end() const { return m_offset == m_data.size(); }
    // Everything was read: bytes left over mean the writer and this reader disagree.
    Result<void> expect_end() const;

    // An error about `what` in this stream's context.
    Error failure(std::string_view what, std::string_view problem) const;

private:
    Result<std::span<const uint8_t>> take(std::string_view what, size_t size);
    template<typename T>
    Result<T> get_le(std::string_view what)
    {
        auto data = TRY(take(what, sizeof(T)));
        T value = 0;
        for (size_t i = 0; i < sizeof(T); i++)
            value = static_cast<T>(value | static_cast<T>(static_cast<T>(data[i]) << (8 * i)));
        return value;
    }

    std::span<const uint8_t> m_data;
    size_t m_offset { 0 };
    std::string m_context;
};

}
