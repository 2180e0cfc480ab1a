#pragma once

#include "containers/runtime/container_spec.h"
#include "containers/runtime/terminal_size.h"
#include "containers/runtime/user_lookup.h"

#include <cstdint>
#include <optional>
#include <string>

namespace vmlet {

struct AgentSpecOptions {
    bool stdin_attached { false };
    bool loopback { false };                  // ports are published: the agent brings up `lo` and forwards
    std::optional<uint32_t> stream_port {};   // an exec's own stdout port (stderr and stdin follow)
    std::optional<TerminalSize> terminal {};  // -t: the command runs on a terminal of this size
};

// The spec message the guest agent reads first on a control connection, the container's or an
// exec's (guest/agent/agent_protocol.h): a little-endian u32 length, then NUL-terminated tagged
// fields. The user comes resolved: the agent makes no lookups of its own. An exec's spec has the
// stream port and no hostname or limits (the container's own stay).
std::string encode_agent_spec(const ContainerSpec& spec, const ExecUser& user, const AgentSpecOptions& options);

}
