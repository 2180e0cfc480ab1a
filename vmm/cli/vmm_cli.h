#pragma once

namespace vmlet {

// vmlet-vmm's command line: parses it, runs the subcommand and returns the process exit status.
int run_vmm_cli(int argc, char** argv);

}
