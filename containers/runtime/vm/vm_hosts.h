#pragma once

#include "vmm/base/result.h"

#include <string>

namespace vmlet {

// Gives a running VM container its /etc/hosts anew through its agent's HOSTS port
// (guest/agent/agent_protocol.h, "Hosts"), and waits until the agent has written it.
Result<void> send_hosts_file(const std::string& agent_socket, const std::string& text);

}
