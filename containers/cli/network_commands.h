#pragma once

#include "containers/cli/command.h"

#include <vector>

namespace vmlet {

// `vmlet network create|ls|inspect|rm`: the bridges containers of either isolation join.
std::vector<Command> add_network_commands(CLI::App& app, const GlobalOptions& global);

}
