#pragma once

#include "containers/cli/command.h"

#include <vector>

namespace vmlet {

// docker container ...: inspect (containers only) and prune.
std::vector<Command> add_container_group_commands(CLI::App& app, const GlobalOptions& global);

}
