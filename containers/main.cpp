#include "containers/cli/cli.h"

#include <signal.h>

int main(int argc, char** argv)
{
    // A reader that went away (vmlet run ... | head -1) is an EPIPE for the thread that writes to
    // it, which then stops reading the container's side, so that the container gets its own
    // SIGPIPE, as in a shell pipeline; never the death of vmlet with its container unrecorded.
    // Children get the default back (spawn_process, container init, exec).
    ::signal(SIGPIPE, SIG_IGN);
    return vmlet::run_cli(argc, argv);
}
