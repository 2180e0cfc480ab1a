#pragma once

#include "containers/cli/command.h"

#include <vector>

namespace vmlet {

// `vmlet volume create|ls|inspect|rm|prune`: named volumes that outlive their containers.
std::vector<Command> add_volume_commands(CLI::App& app, const GlobalOptions& global);

}
