#pragma once

#include "containers/cli/command.h"

namespace vmlet {

// docker image prune [-a] [-f]: the group `vmlet image` with its one command, prune.
Command add_image_prune_command(CLI::App& app, const GlobalOptions& global);

}
