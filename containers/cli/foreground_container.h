#pragma once

#include "containers/runtime/container.h"

#include <string>

namespace vmlet {

// A foreground container (run, start -a): its output comes to vmlet's standard streams (and its
// log), vmlet's input goes to it with -i, and vmlet exits with its status. With -t they are a
// terminal the container makes (in its own devpts, or the VM's), which follows vmlet's own
// terminal in size; with -i as well vmlet's terminal goes raw and every key, ^C included, is the
// container's. With -t alone ^C stays vmlet's SIGINT, which the monitor passes on (as docker's).
int run_in_foreground(Container& container, bool interactive, bool tty);

// A background container (run -d, start): vmlet waits only until it runs and prints `shown` (run
// -d its id, start its name), or says why it did not start, as docker does.
int run_in_background(Container& container, const std::string& shown);

}
