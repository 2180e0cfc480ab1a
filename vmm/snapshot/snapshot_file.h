#pragma once

#include "vmm/base/result.h"

#include <cstdint>
#include <string>
#include <vector>

namespace vmlet {

// A snapshot is a directory of two files:
//   state   the VM's state: vCPUs, interrupt controllers and clock, devices, and the machine's
//           shape, framed as below;
//   memory  guest RAM, its regions one after another, as a sparse file: pages the guest never
//           wrote are holes.
// The state file, all integers little-endian:
//   "VMLETSNP"            magic, 8 bytes
//   u32 format version    kSnapshotFormatVersion
//   u32 + bytes           the vmlet version that wrote it (a snapshot is read by that version only)
//   u32 + bytes           the payload: named sections (vmm/base/state_stream.h)
//   u32                   CRC-32C of everything before it
inline constexpr const char* kSnapshotStateFile = "state";
inline constexpr const char* kSnapshotMemoryFile = "memory";
inline constexpr uint32_t kSnapshotFormatVersion = 1;
// More than any VM's state (a few KiB a vCPU): a file past this is not one of ours.
inline constexpr size_t kMaxSnapshotState = 16 << 20;

// Frames `payload` as a state file's bytes, with this vmlet's version.
std::vector<uint8_t> frame_snapshot_state(const std::vector<uint8_t>& payload);

// The payload of a state file's bytes, after checking the magic, the format and vmlet versions and
// the checksum: one-line errors that say which ("... was written by vmlet 0.0.9, this is 0.1.0").
Result<std::vector<uint8_t>> unframe_snapshot_state(const std::vector<uint8_t>& file, const std::string& path);

// The version string of this vmlet, as snapshots record it.
std::string snapshot_vmlet_version();

}
