#include "vmm/cli/cli.h"

int main(int argc, char** argv)
{
    return vmlet::run_cli(argc, argv);
}
