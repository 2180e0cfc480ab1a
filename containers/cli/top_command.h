#pragma once

#include "containers/cli/command.h"

namespace vmlet {

// docker top CONTAINER: its processes, as ps -ef shows them on the host.
Command add_top_command(CLI::App& app, const GlobalOptions& global);

}
