#pragma once

#include "containers/cli/command.h"

namespace vmlet {

// `vmlet compare [IMAGE] [--runs N] [--format table|json|html] [-o FILE] [--only GROUP,...]`: the
// isolation lab (containers/lab).
Command add_compare_command(CLI::App& app, const GlobalOptions& global);

}
