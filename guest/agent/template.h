/* A template's agent: saved as a snapshot while it waits, woken in each restored VM. */
#pragma once

/*
 * Listens on WAKE, tells the host it is ready to be saved (a connection to READY, closed at once)
 * and waits for the host's connection to WAKE, which it returns: the control connection
 * (agent_protocol.h, "Templates"). The snapshot is taken while this waits in accept(2). Exits 125
 * on failure.
 */
int wait_for_wake(void);

/*
 * Reads the container's files at `paths` (absolute, resolved inside its root), so that every clone
 * of the template finds them in its page cache rather than on the disk: the host names the image's
 * default command and shell. One that is missing is skipped.
 */
void warm_files(char *const *paths, int count);
