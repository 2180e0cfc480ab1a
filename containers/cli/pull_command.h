#pragma once

#include "containers/cli/command.h"
#include "containers/registry/image_puller.h"

namespace vmlet {

// `vmlet pull REF [--platform P]`: an image from a registry into the store.
Command add_pull_command(CLI::App& app, const GlobalOptions& global);

// The limits of a pull as the environment sets them, for `pull` and for `run` pulling a missing
// image alike (image_puller.h and image_limits_environment.h name the variables); defaults for
// those unset.
Result<image::PullLimits> pull_limits_from_environment();

}
