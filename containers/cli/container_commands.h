#pragma once

#include "containers/cli/command.h"

#include <vector>

namespace vmlet {

// The commands on containers, as docker has them: ps, logs, stop, kill, rm, exec.
std::vector<Command> add_container_commands(CLI::App& app, const GlobalOptions& global);

}
