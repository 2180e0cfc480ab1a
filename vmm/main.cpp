#include "vmm/cli/vmm_cli.h"

// vmlet-vmm: one microVM per process (`vmlet boot` hands over to it with execv, and the front
// end's VM containers run it as a child). It links fmt, CLI11 and the C++ runtime only, so a VM
// costs little besides its RAM.
int main(int argc, char** argv)
{
    return vmlet::run_vmm_cli(argc, argv);
}
