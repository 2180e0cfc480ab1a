#pragma once

#include "containers/cli/command.h"

#include <vector>

namespace vmlet {

// docker pause and unpause: each named container, printing its name once done.
std::vector<Command> add_pause_commands(CLI::App& app, const GlobalOptions& global);

}
