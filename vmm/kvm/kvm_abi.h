#pragma once

#include <linux/kvm.h>
#include <sys/ioctl.h>

#include <cstdint>
#include <cstring>
#include <span>
#include <vector>

namespace vmlet {

// linux/kvm.h declares kvm_msr_list, kvm_msrs and kvm_xsave with __DECLARE_FLEX_ARRAY, which a
// C++ compiler lays out with an extra empty member (as kvm_cpuid2, cpuid_buffer.h): 8, 16 and 4100
// bytes, where C (and KVM) have 4, 8 and 4096. The ioctl numbers encode those sizes, so vmlet
// defines these ioctls, and their buffers, with C's layout.
struct MsrListHeader {
    uint32_t nmsrs;
};
struct MsrsHeader {
    uint32_t nmsrs;
    uint32_t pad;
};
// kvm_xsave's fixed part: all that KVM_GET_XSAVE copies (api.rst 4.42).
struct XsaveRegion {
    uint32_t region[1024];
};
static_assert(sizeof(MsrListHeader) == 4 && sizeof(MsrsHeader) == 8 && sizeof(XsaveRegion) == 4096);

constexpr unsigned long kKvmGetMsrIndexList = _IOWR(KVMIO, 0x02, MsrListHeader);
constexpr unsigned long kKvmGetMsrs = _IOWR(KVMIO, 0x88, MsrsHeader);
constexpr unsigned long kKvmSetMsrs = _IOW(KVMIO, 0x89, MsrsHeader);
constexpr unsigned long kKvmGetXsave = _IOR(KVMIO, 0xa4, XsaveRegion);
constexpr unsigned long kKvmSetXsave = _IOW(KVMIO, 0xa5, XsaveRegion);
constexpr unsigned long kKvmGetXsave2 = _IOR(KVMIO, 0xcf, XsaveRegion);

// KVM_GET_MSRS and KVM_SET_MSRS take fewer than 256 entries at a time (arch/x86/kvm/x86.c,
// MAX_IO_MSRS): more fails with E2BIG.
constexpr size_t kMaxMsrsPerIoctl = 255;

// The argument of KVM_GET_MSRS and KVM_SET_MSRS: the header, then the entries.
class MsrBuffer {
public:
    explicit MsrBuffer(std::span<const kvm_msr_entry> entries)
        : m_bytes(sizeof(MsrsHeader) + entries.size_bytes(), 0)
    {
        MsrsHeader header { uint32_t(entries.size()), 0 };
        std::memcpy(m_bytes.data(), &header, sizeof(header));
        std::memcpy(m_bytes.data() + sizeof(header), entries.data(), entries.size_bytes());
    }

    void* data() { return m_bytes.data(); }
    // The first `count` entries, as KVM left them.
    std::vector<kvm_msr_entry> entries(size_t count) const
    {
        size_t capacity = (m_bytes.size() - sizeof(MsrsHeader)) / sizeof(kvm_msr_entry);
        std::vector<kvm_msr_entry> entries(count < capacity ? count : capacity);
        std::memcpy(entries.data(), m_bytes.data() + sizeof(MsrsHeader), entries.size() * sizeof(kvm_msr_entry));
        return entries;
    }

private:
    std::vector<uint8_t> m_bytes;
};

}
