#pragma once

#include "vmm/runtime/container_spec.h"
#include "vmm/runtime/user_lookup.h"

#include <string>

namespace vmlet {

struct AgentSpecOptions {
    bool stdin_attached { false };
    bool loopback { false }; // ports are published: the agent brings up `lo` and forwards
};

// The spec message the guest agent reads first on its control connection
// (guest/agent/agent_protocol.h): a little-endian u32 length, then NUL-terminated tagged fields.
// The user comes resolved: the agent makes no lookups of its own.
std::string encode_agent_spec(const ContainerSpec& spec, const ExecUser& user, const AgentSpecOptions& options);

}
