#pragma once

#include "containers/cli/command.h"

namespace vmlet {

// docker stats --no-stream [CONTAINER...]: one sample of each running container's CPU, memory and pids.
Command add_stats_command(CLI::App& app, const GlobalOptions& global);

}
