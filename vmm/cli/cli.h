#pragma once

namespace vmlet {

// Exit status for vmlet's own failures (bad flags, bad files, no KVM), as docker uses 125.
constexpr int kVmletFailure = 125;

// Parses the command line, runs the subcommand and returns the process exit status.
int run_cli(int argc, char** argv);

}
