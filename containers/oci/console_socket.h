#pragma once

#include "vmm/base/result.h"
#include "vmm/base/unique_fd.h"
#include "containers/runtime/terminal_size.h"

#include <string>

namespace vmlet::oci {

// The caller's --console-socket, connected (SOCK_STREAM), for a terminal's master side to be
// sent over (SCM_RIGHTS), as runc sends it. The path may be longer than sun_path holds
// (containerd's are deep): it is reached through its directory, opened first.
Result<UniqueFd> connect_console_socket(const std::string& path);

// A pseudo-terminal of the host's of `size`, for a VM container with a terminal, whose relay (the
// agent's session) has no terminal of the container's to send: its master side goes over
// `console` (SCM_RIGHTS, as runc sends one); its terminal side is returned, for the container's
// streams.
Result<UniqueFd> send_host_terminal(int console, TerminalSize size);

}
