#pragma once

#include "containers/cli/command.h"

#include <vector>

namespace vmlet {

// `vmlet template build|ls|rm|prune`: the snapshots VM containers are restored from.
std::vector<Command> add_template_commands(CLI::App& app, const GlobalOptions& global);

}
