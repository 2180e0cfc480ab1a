#pragma once

#include "vmm/base/result.h"
#include "vmm/base/unique_fd.h"

#include <string>

namespace vmlet::oci {

// The caller's --console-socket, connected (SOCK_STREAM), for a terminal's master side to be
// sent over (SCM_RIGHTS), as runc sends it. The path may be longer than sun_path holds
// (containerd's are deep): it is reached through its directory, opened first.
Result<UniqueFd> connect_console_socket(const std::string& path);

}
