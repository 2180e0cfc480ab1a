#pragma once

#include <cstdint>

// Constants from the virtio 1.2 specification (OASIS, 2022); section numbers cited per group.
namespace vmlet::virtio {

// §5 device types.
enum DeviceId : uint32_t {
    kNetDevice = 1,
    kBlockDevice = 2,
    kConsoleDevice = 3,
    kEntropyDevice = 4,
    kVsockDevice = 19,
    kFsDevice = 26,
};

// §2.1 device status field.
enum Status : uint32_t {
    kStatusAcknowledge = 1,
    kStatusDriver = 2,
    kStatusDriverOk = 4,
    kStatusFeaturesOk = 8,
    kStatusNeedsReset = 64,
    kStatusFailed = 128,
};

// §6 reserved (transport-independent) feature bits.
enum FeatureBit : uint32_t {
    kFeatureIndirectDesc = 28,
    kFeatureEventIdx = 29,
    kFeatureVersion1 = 32,
};

constexpr uint64_t feature(uint32_t bit) { return uint64_t(1) << bit; }

// §4.2.2 MMIO device register layout (version 2, "non-legacy").
namespace mmio {
constexpr uint32_t kMagic = 0x74726976; // "virt"
constexpr uint32_t kVersion = 2;
constexpr uint32_t kVendorId = 0x554d4551; // "QEMU", what Linux and every VMM use; no meaning to drivers
constexpr uint64_t kWindowSize = 0x1000;
enum Register : uint64_t {
    kMagicValue = 0x000,
    kVersionReg = 0x004,
    kDeviceId = 0x008,
    kVendorIdReg = 0x00c,
    kDeviceFeatures = 0x010,
    kDeviceFeaturesSel = 0x014,
    kDriverFeatures = 0x020,
    kDriverFeaturesSel = 0x024,
    kQueueSel = 0x030,
    kQueueNumMax = 0x034,
    kQueueNum = 0x038,
    kQueueReady = 0x044,
    kQueueNotify = 0x050,
    kInterruptStatus = 0x060,
    kInterruptAck = 0x064,
    kStatusReg = 0x070,
    kQueueDescLow = 0x080,
    kQueueDescHigh = 0x084,
    kQueueDriverLow = 0x090,
    kQueueDriverHigh = 0x094,
    kQueueDeviceLow = 0x0a0,
    kQueueDeviceHigh = 0x0a4,
    kShmSel = 0x0ac,
    kShmLenLow = 0x0b0,
    kShmLenHigh = 0x0b4,
    kShmBaseLow = 0x0b8,
    kShmBaseHigh = 0x0bc,
    kQueueReset = 0x0c0,
    kConfigGeneration = 0x0fc,
    kConfig = 0x100,
};
// InterruptStatus bits (§4.2.2).
constexpr uint32_t kInterruptUsedBuffer = 1;
constexpr uint32_t kInterruptConfigChange = 2;
}

// §2.7.5 split virtqueue descriptor flags, §2.7.6/§2.7.8 ring flags.
constexpr uint16_t kDescNext = 1;
constexpr uint16_t kDescWrite = 2;
constexpr uint16_t kDescIndirect = 4;
constexpr uint16_t kAvailNoInterrupt = 1;
constexpr uint16_t kUsedNoNotify = 1;

// §2.7 the largest split queue size.
constexpr uint32_t kMaxQueueSize = 32768;

}
