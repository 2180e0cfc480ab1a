#pragma once

#include "containers/cli/command.h"

#include <vector>

namespace vmlet {

// `vmlet login [-u USER] [--password-stdin] REGISTRY` and `vmlet logout REGISTRY`: the
// credentials vmlet uses for one registry, kept in its own auth file (credential_store.h).
std::vector<Command> add_login_commands(CLI::App& app);

}
