#pragma once

#include "vmm/base/result.h"
#include "vmm/vm/vm_config.h"

#include <string_view>

namespace vmlet {

// The values of vmlet boot's device flags, in the comma-separated key=value style of Firecracker
// and QEMU. Each error names the flag and the part it could not use.
Result<DiskConfig> parse_disk_option(std::string_view text);   // PATH[,ro]
Result<NetConfig> parse_net_option(std::string_view text);     // tap=NAME | fd=N | auto, [,mac=MAC]
Result<VsockConfig> parse_vsock_option(std::string_view text); // cid=N,uds=PATH
Result<std::array<uint8_t, 6>> parse_mac_address(std::string_view text);

}
