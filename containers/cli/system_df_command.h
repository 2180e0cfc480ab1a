#pragma once

#include "containers/cli/command.h"

namespace vmlet {

// docker system df: how much disk images, containers, volumes and (vmlet's own) VM templates
// take, how many are in use, and what removing the unused ones would free.
Command add_system_df_command(CLI::App& app, const GlobalOptions& global);

}
