#pragma once

#include "containers/cli/command.h"

#include <vector>

namespace vmlet {

// The image commands, as docker has them: load, images, inspect, tag, rmi.
std::vector<Command> add_image_commands(CLI::App& app, const GlobalOptions& global);

}
