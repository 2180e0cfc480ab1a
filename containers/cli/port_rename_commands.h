#pragma once

#include "containers/cli/command.h"

#include <vector>

namespace vmlet {

// docker port CONTAINER [PRIVATE_PORT[/PROTO]]: a running container's published ports, and
// docker rename CONTAINER NEW_NAME. Both read or change what the container's record holds.
std::vector<Command> add_port_rename_commands(CLI::App& app, const GlobalOptions& global);

}
