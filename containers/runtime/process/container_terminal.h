#pragma once

#include "vmm/base/result.h"
#include "vmm/base/unique_fd.h"
#include "containers/runtime/terminal_size.h"

#include <sys/types.h>

namespace vmlet {

// The unix socket pair a terminal's master side travels over: vmlet keeps `parent`, the process
// that makes the terminal gets `child` (numbered 3 or above). Both close-on-exec.
struct ConsoleSocket {
    UniqueFd parent, child;
};
Result<ConsoleSocket> make_console_socket();

// For a process running inside a container's mount namespace, with -t: a pseudo-terminal of the
// container's own devpts (/dev/ptmx, which rootfs_setup links to /dev/pts/ptmx), as runc makes
// one for its --console-socket. Its terminal side is owned by `uid` (the process will run as
// that user, and a terminal is its user's) and has the given size; its master side is sent over
// the unix socket `console` (SCM_RIGHTS) to vmlet, which relays it (PtyRelay), and closed here.
// Returns the terminal side (close-on-exec), or -1 with errno. Makes no allocation: callable in a
// child of a multi-threaded process (signal-safety(7)).
int open_container_terminal(int console, TerminalSize size, uid_t uid);

// vmlet's end: receives the master side sent by open_container_terminal; -1 when the socket
// closed without one (the process failed before).
int receive_terminal_master(int console);

}
