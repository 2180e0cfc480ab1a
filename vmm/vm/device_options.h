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
// --share HOST_DIR:TAG[,ro][,name=NAME] adds an export to the share tagged TAG (made on first
// use); --share :TAG makes a share with no export. HOST_DIR is what comes before the last ':' of
// the part before the first ',' (a tag has neither).
Result<void> add_share_option(std::vector<ShareConfig>& shares, std::string_view text);
Result<std::array<uint8_t, 6>> parse_mac_address(std::string_view text);

}
