#include "vmm/kvm/kvm_abi.h"

#include <gtest/gtest.h>

namespace vmlet {

TEST(KvmAbi, IoctlNumbersAreTheOnesCGivesThem)
{
    // What gcc -x c makes of linux/kvm.h's definitions on x86_64, which KVM compares against.
    EXPECT_EQ(kKvmGetMsrIndexList, 0xc004ae02ul);
    EXPECT_EQ(kKvmGetMsrs, 0xc008ae88ul);
    EXPECT_EQ(kKvmSetMsrs, 0x4008ae89ul);
    EXPECT_EQ(kKvmGetXsave, 0x9000aea4ul);
    EXPECT_EQ(kKvmSetXsave, 0x5000aea5ul);
    EXPECT_EQ(kKvmGetXsave2, 0x9000aecful);
}

TEST(KvmAbi, AnMsrBufferIsTheCountThenTheEntries)
{
    std::vector<kvm_msr_entry> entries { { 0x10, 0, 42 }, { 0xc0000080, 0, 0x500 } };
    MsrBuffer buffer(entries);
    auto* bytes = static_cast<const uint8_t*>(buffer.data());
    uint32_t count;
    std::memcpy(&count, bytes, sizeof(count));
    EXPECT_EQ(count, 2u);
    kvm_msr_entry second;
    std::memcpy(&second, bytes + 8 + sizeof(kvm_msr_entry), sizeof(second));
    EXPECT_EQ(second.index, 0xc0000080u);
    EXPECT_EQ(second.data, 0x500u);
    // KVM reports how many it handled; never more than the buffer holds.
    EXPECT_EQ(buffer.entries(1).size(), 1u);
    EXPECT_EQ(buffer.entries(9).size(), 2u);
    EXPECT_EQ(buffer.entries(2)[0].data, 42u);
}

}
