#pragma once

#include "containers/cli/command.h"

namespace vmlet {

// Parses the command line, runs the subcommand and returns the process exit status.
int run_cli(int argc, char** argv);

}
