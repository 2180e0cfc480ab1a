#pragma once

#include "containers/cli/command.h"

namespace vmlet {

// docker cp: vmlet cp CONTAINER:SRC_PATH DEST_PATH|-, vmlet cp SRC_PATH|- CONTAINER:DEST_PATH.
Command add_cp_command(CLI::App& app, const GlobalOptions& global);

}
