#pragma once

#include "containers/cli/command.h"

namespace vmlet {

// `vmlet pull REF [--platform P]`: an image from a registry into the store.
Command add_pull_command(CLI::App& app, const GlobalOptions& global);

}
