#pragma once

#include <linux/kvm.h>
#include <sys/ioctl.h>

#include <cstdint>
#include <cstring>
#include <vector>

namespace vmlet {

// linux/kvm.h declares kvm_cpuid2's entries with __DECLARE_FLEX_ARRAY, which a C++ compiler lays
// out with an extra empty member: sizeof 12 and entries at offset 12, where C (and KVM) have 8 and
// 8. The ioctl numbers encode that size, so vmlet defines them, and builds the buffer, with C's
// layout: an 8-byte header followed by the entries.
struct CpuidHeader {
    uint32_t nent;
    uint32_t padding;
};
static_assert(sizeof(CpuidHeader) == 8);

constexpr unsigned long kKvmGetSupportedCpuid = _IOWR(KVMIO, 0x05, CpuidHeader);
constexpr unsigned long kKvmSetCpuid2 = _IOW(KVMIO, 0x90, CpuidHeader);

class CpuidBuffer {
public:
    explicit CpuidBuffer(uint32_t capacity)
        : m_bytes(sizeof(CpuidHeader) + capacity * sizeof(kvm_cpuid_entry2), 0)
    {
        set_count(capacity);
    }
    explicit CpuidBuffer(const std::vector<kvm_cpuid_entry2>& entries)
        : CpuidBuffer(uint32_t(entries.size()))
    {
        std::memcpy(m_bytes.data() + sizeof(CpuidHeader), entries.data(), entries.size() * sizeof(kvm_cpuid_entry2));
    }

    void* data() { return m_bytes.data(); }
    uint32_t count() const
    {
        uint32_t count;
        std::memcpy(&count, m_bytes.data(), sizeof(count));
        return count;
    }
    // The entries KVM filled in; never more than the buffer holds, whatever KVM reported.
    std::vector<kvm_cpuid_entry2> entries() const
    {
        size_t capacity = (m_bytes.size() - sizeof(CpuidHeader)) / sizeof(kvm_cpuid_entry2);
        std::vector<kvm_cpuid_entry2> entries(count() < capacity ? count() : capacity);
        std::memcpy(entries.data(), m_bytes.data() + sizeof(CpuidHeader), entries.size() * sizeof(kvm_cpuid_entry2));
        return entries;
    }

private:
    void set_count(uint32_t count) { std::memcpy(m_bytes.data(), &count, sizeof(count)); }

    std::vector<uint8_t> m_bytes;
};

}
