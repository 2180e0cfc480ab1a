#pragma once

#include "vmm/base/result.h"
#include "containers/runtime/container_spec.h"
#include "containers/runtime/container_store.h"
#include "containers/runtime/terminal_size.h"
#include "containers/runtime/user_lookup.h"

#include <optional>
#include <string>
#include <vector>

namespace vmlet {

// `vmlet exec`: another process in a running container.
struct ExecRequest {
    std::vector<std::string> args;
    std::vector<std::string> env {};           // KEY=VALUE over the container's own environment
    std::optional<std::string> working_dir {}; // default: the container's
    std::optional<std::string> user {};        // default: the container's
    bool interactive { false };                // vmlet's stdin goes to the process; /dev/null otherwise
    std::optional<TerminalSize> terminal {};   // -t: the process runs on a terminal of this size
    // With a terminal: a connected unix socket (an OCI runtime's --console-socket) that gets the
    // terminal's master side, for its other end to relay, rather than vmlet relaying it.
    int console_socket { -1 };
};

// What an exec runs, as docker exec does: the request's command in the container's environment
// with the request's -e over it, HOME from `user` and with a terminal TERM=xterm when neither has
// them, in the request's working directory or the container's (absolute, or an error).
Result<ContainerSpec> exec_process(const ContainerRecord& record, const ExecRequest& request, const ExecUser& user);

}
