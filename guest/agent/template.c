/* Waiting as a template (template.h). */
#define _GNU_SOURCE
#include "template.h"

#include "agent_protocol.h"
#include "container_root.h"
#include "io.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <linux/vm_sockets.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

int wait_for_wake(void)
{
	int listener = vsock_listen(VMLET_AGENT_PORT_WAKE);
	if (listener < 0)
		die("listening on the wake port", strerrordesc_np(errno));
	int ready = vsock_connect(VMLET_AGENT_PORT_READY);
	if (ready < 0)
		die("telling the host the template is ready", strerrordesc_np(errno));
	close(ready);
	/* Only the host may wake the container (as for FORWARD and EXEC). */
	for (;;) {
		struct sockaddr_vm peer;
		socklen_t length = sizeof peer;
		int control = accept4(listener, (struct sockaddr *)&peer, &length, SOCK_CLOEXEC);
		if (control < 0 && errno == EINTR)
			continue;
		if (control < 0)
			die("waiting to be woken", strerrordesc_np(errno));
		if (peer.svm_cid == VMADDR_CID_HOST) {
			close(listener);
			return control;
		}
		close(control);
	}
}

void warm_files(char *const *paths, int count)
{
	int root = open(ROOT_DIR, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (root < 0)
		return;
	/* openat2(2), RESOLVE_IN_ROOT: the image's symlinks (busybox's applets) resolve in its root. */
	struct open_how how = { .flags = O_RDONLY | O_CLOEXEC, .resolve = RESOLVE_IN_ROOT };
	static char buffer[1 << 16];
	for (int i = 0; i < count; ++i) {
		int file = (int)syscall(SYS_openat2, root, paths[i], &how, sizeof how);
		if (file < 0)
			continue;
		while (read(file, buffer, sizeof buffer) > 0) { }
		close(file);
	}
	close(root);
}
