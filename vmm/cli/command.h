#pragma once

#include <CLI/CLI.hpp>

#include <functional>
#include <string>
#include <vector>

namespace vmlet {

// Exit status for vmlet's own failures (bad flags, bad files, no KVM, no such image), as docker
// uses 125.
constexpr int kVmletFailure = 125;

// A subcommand: its parser (options bound to state the handler owns) and what runs it once the
// command line has parsed.
struct Command {
    CLI::App* parser;
    std::function<int()> run;
};

// What every subcommand can see of vmlet's global options.
struct GlobalOptions {
    std::string root; // the image and container store (--root, VMLET_ROOT, /var/lib/vmlet)
};

// Prints "vmlet: MESSAGE" on standard error and returns kVmletFailure.
int fail(const std::string& message);

}
