#pragma once

#include "containers/cli/command.h"

#include <vector>

namespace vmlet {

// `vmlet start`, `restart` and `wait`: a container's life after `create` or its first run.
std::vector<Command> add_lifecycle_commands(CLI::App& app, const GlobalOptions& global);

}
