#pragma once

#include "containers/cli/command.h"

namespace vmlet {

// `vmlet run [OPTIONS] IMAGE [CMD ARGS...]`: a container from an image, isolated in a microVM or
// in namespaces on this kernel.
Command add_run_command(CLI::App& app, const GlobalOptions& global);
// `vmlet create [OPTIONS] IMAGE [CMD ARGS...]`: the same, made and kept for `vmlet start`.
Command add_create_command(CLI::App& app, const GlobalOptions& global);

}
