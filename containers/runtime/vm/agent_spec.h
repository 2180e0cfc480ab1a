#pragma once

#include "containers/runtime/container_spec.h"
#include "containers/runtime/terminal_size.h"
#include "containers/runtime/user_lookup.h"
#include "guest/agent/agent_protocol.h"

#include <array>
#include <cstdint>
#include <ctime>
#include <optional>
#include <string>

namespace vmlet {

// The host's clock and randomness, which a container's VM takes before its command runs (two VMs
// restored from one template must share neither random numbers nor a stale clock).
struct HostState {
    timespec time {};
    std::array<uint8_t, VMLET_AGENT_ENTROPY_BYTES> entropy {};
};
// Now, and fresh bytes from getrandom(2).
HostState current_host_state();

struct AgentSpecOptions {
    bool stdin_attached { false };
    bool loopback { false };                  // ports are published: the agent brings up `lo` and forwards
    std::optional<uint32_t> stream_port {};   // an exec's own stdout port (stderr and stdin follow)
    std::optional<TerminalSize> terminal {};  // -t: the command runs on a terminal of this size
    std::optional<HostState> host_state {};   // the container's spec: 'T' and 'r'
};

// The spec message the guest agent reads first on a control connection, the container's or an
// exec's (guest/agent/agent_protocol.h): a little-endian u32 length, then NUL-terminated tagged
// fields. The user comes resolved: the agent makes no lookups of its own. An exec's spec has the
// stream port and no hostname or limits (the container's own stay); the container's has its
// network ('N') and its /etc/hosts and /etc/resolv.conf ('H', 'R'), which an exec's spec lacks.
std::string encode_agent_spec(const ContainerSpec& spec, const ExecUser& user, const AgentSpecOptions& options);

}
