#include "containers/oci/runtime_cli.h"

#include <signal.h>

int main(int argc, char** argv)
{
    // As vmlet's: a reader gone is an EPIPE, never this process's death with a record half-kept.
    ::signal(SIGPIPE, SIG_IGN);
    return vmlet::oci::run_runtime_cli(argc, argv);
}
