#pragma once

#include "vmm/base/exit_status.h"

#include <CLI/CLI.hpp>

#include <functional>

namespace vmlet {

// A subcommand: its parser (options bound to state the handler owns) and what runs it once the
// command line has parsed.
struct Command {
    CLI::App* parser;
    std::function<int()> run;
};

}
